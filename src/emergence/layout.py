"""Every results path shared by more than one stage, in one place.

All outputs of a config live under results/<name>/ (`Layout.out`); rules, input functions
and scripts ask this module instead of assembling folders themselves. The run folder of a
finetuned model (task/method/D<d>_s<draw>) is written by `finetune` and read by `evaluate`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass


def run_dir(task: str, method: str, d: int, sample: int) -> str:
    """A finetuned model's folder inside its checkpoint's folder."""
    return os.path.join(task, method, f"D{d}_s{sample}")


@dataclass(frozen=True)
class Layout:
    out: str  # results/<name>

    def size_manifest(self, series: str, size: str) -> str:
        return f"{self.out}/series/{series}/{size}.csv"

    def size_dir(self, series: str, size: str) -> str:
        return f"{self.out}/series/{series}/{size}"

    def toy_checkpoint(self, series: str, size: str, step: int) -> str:
        return os.path.join(self.out, "series", series, size, f"step{step}")

    def pretrain_loss_table(self, series: str, size: str) -> str:
        return f"{self.out}/pretrain_loss/{series}/{size}.csv"

    def heldout(self) -> str:
        return f"{self.out}/corpus/heldout.jsonl"

    def task_file(self, task: str, name: str) -> str:
        return f"{self.out}/tasks/{task}/{name}"

    def tasks_dir(self) -> str:
        return f"{self.out}/tasks"

    def pool(self, task: str, lm_eval: bool) -> str:
        """The finetuning pool: generated with a toy/files task, or exported from an lm-eval task."""
        return self.task_file(task, "train_pool.jsonl" if lm_eval else "pool.jsonl")

    def subsets(self, task: str) -> str:
        return f"{self.out}/subsets/{task}.json"

    def finetune_job(self, job: str) -> str:
        return f"{self.out}/finetune/{job}"

    def finetuned(self, job: str, ckpt: str) -> str:
        """The folder holding one checkpoint's finetuned models (run_dir inside it)."""
        return f"{self.finetune_job(job)}/{ckpt}"

    def evaluate_table(self, job: str) -> str:
        return f"{self.out}/evaluate/{job}.csv"

    def evaluate_job(self, job: str) -> str:
        return f"{self.out}/evaluate/{job}"

    def evaluate_dir(self, job: str, ckpt: str) -> str:
        return f"{self.evaluate_job(job)}/{ckpt}"

    def passuntil_runs(self, job: str) -> str:
        return f"{self.out}/passuntil/runs/{job}.csv"

    def passuntil_fit(self, task: str) -> str:
        return f"{self.out}/passuntil/fit_{task}.json"

    def fit(self, task: str) -> str:
        return f"{self.out}/fits/{task}.json"

    def card(self, task: str, ext: str = "md") -> str:
        return f"{self.out}/cards/{task}.{ext}"

    def cards_summary(self) -> str:
        return f"{self.out}/cards/summary.txt"

    def figure(self, task: str, name: str, ext: str = "png") -> str:
        return f"{self.out}/figures/{task}/{name}.{ext}"

    def log(self, rule: str, key: str | None = None) -> str:
        """A job's log: one per rule, or per wildcard value(s) `key` of the rule."""
        return f"{self.out}/logs/{rule}/{key}.log" if key else f"{self.out}/logs/{rule}.log"

    def benchmark(self, rule: str, key: str | None = None) -> str:
        return f"{self.out}/benchmarks/{rule}/{key}.tsv" if key else f"{self.out}/benchmarks/{rule}.tsv"

    def table(self, name: str, ext: str = "csv") -> str:
        return f"{self.out}/tables/{name}.{ext}"

    def observations(self) -> str:
        return f"{self.out}/observations.csv"

    def checkpoints(self) -> str:
        return f"{self.out}/checkpoints.csv"


def other_run(name: str, task: str) -> dict:
    """The files of another run (results/<name>) that a case study reads but never builds:
    its fit of `task`, checkpoints and observations (rules quality and future)."""
    other = Layout(f"results/{name}")
    return {"fit": other.fit(task), "checkpoints": other.checkpoints(), "observations": other.observations()}
