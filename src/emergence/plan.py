"""The job plan: what a validated config asks the workflow to do. Pure: no Snakemake, no I/O.

Checkpoints of every series, the finetuning grid, which checkpoints each step-window job of
evaluate / finetune / passuntil covers, what runs each job does, and how much work that is
(for resource requests). rules/common.smk builds one Plan and its input functions only ask
it; the scripts receive what it computed as params.
"""
from __future__ import annotations

import re
from functools import cached_property

from emergence.layout import Layout, run_dir  # noqa: F401  (run_dir: the scripts' import point)


def checkpoint_id(series: str, size: str, step: int) -> str:
    return f"{series}-{size}-step{step}"


def step_jobs(ckpts: list[dict], window: int) -> dict[str, list[str]]:
    """Jobs of a per-checkpoint stage (evaluate, finetune, passuntil): job id -> its
    checkpoint ids, in step order.

    window = 0: one job per checkpoint, named by it. W > 0: one job per (series, size,
    window of W steps), named <series>-<size>-steps<first step of window>, so cheap runs share
    one process start and import. Windows are fixed by the step alone: adding a checkpoint
    changes one job only."""
    out = {}
    for c in ckpts:
        job = f"{c['series']}-{c['size']}-steps{c['step'] // window * window}" if window else c["ckpt"]
        out.setdefault(job, []).append(c["ckpt"])
    return out


def recipes(config: dict) -> dict:
    """Every finetuning recipe by name: the grid's and the comparison's."""
    ft = config.get("finetune") or {}
    return {**ft.get("compare", {}).get("methods", {}), **ft.get("methods", {})}


def compare_tasks(ft: dict) -> list[str]:
    """The finetuned tasks the compared recipes run on (finetune.compare.tasks, else the first)."""
    return (ft.get("compare") or {}).get("tasks") or ft["tasks"][:1]


def finetune_grid(config: dict) -> list[dict]:
    """(task, method, D, sample) runs of the finetuning grid, for any one grid checkpoint."""
    ft = config.get("finetune")
    if not ft:
        return []
    runs = [{"task": t, "method": m, "data_amount": d, "subset_sample": s}
            for t in ft["tasks"] for m in ft["methods"] for d in sorted(ft["data_amounts"])
            for s in range(1, ft["subset_samples"] + 1)]
    cmp = ft.get("compare")
    if cmp:
        runs += [{"task": t, "method": m, "data_amount": cmp["data_amount"], "subset_sample": 1}
                 for t in compare_tasks(ft) for m in cmp["methods"] if m not in ft["methods"]]
    return runs


_SIZE_LABEL = re.compile(r"(\d+(?:\.\d+)?)([mb])", re.I)


class Plan:
    """The plan of one validated config whose outputs go under `out` (results/<name>)."""

    def __init__(self, config: dict, out: str):
        self.config, self.layout = config, Layout(out)
        self.series = {s["name"]: s for s in config["series"]}
        self.tasks = {t["name"]: t for t in config["tasks"]}
        self.ft = config.get("finetune")
        self.pu = config.get("passuntil")
        self.ft_tasks = self.ft["tasks"] if self.ft else []
        self.ft_grid = finetune_grid(config)  # the same runs for every grid checkpoint
        self.recipes = recipes(config)
        # the recipe the law is fitted to: fit.method, else the grid's first (one place decides)
        fit_method = (config.get("fit") or {}).get("method")
        self.fit_method = fit_method or (next(iter(self.ft["methods"])) if self.ft else None)
        # multiple-choice tasks have per-choice log-likelihoods: the metric chain runs on them
        self.mc_tasks = [t for t, s in self.tasks.items() if "multiple_choice" in s.get("template", "")]

    # ------------------------------------------------------------------ checkpoints
    @cached_property
    def ckpts(self) -> dict[str, dict]:
        """Every checkpoint of every series, with where to load it from."""
        rows = {}
        for s in self.config["series"]:
            for size, spec in s["sizes"].items():
                for step in sorted(spec["steps"]):
                    if s["source"] == "toy":
                        path, rev = self.layout.toy_checkpoint(s["name"], size, step), None
                    else:
                        path = spec["repo"].format(step=step)
                        rev = spec["revision"].format(step=step) if spec.get("revision") else None
                    cid = checkpoint_id(s["name"], size, step)
                    rows[cid] = {"ckpt": cid, "series": s["name"], "size": size, "step": step,
                                 "source": s["source"], "path": path, "revision": rev}
        return rows

    @cached_property
    def ft_ckpts(self) -> list[str]:
        ft = self.ft
        return [checkpoint_id(ft["series"], ft["size"], s) for s in sorted(ft["steps"])] if ft else []

    @cached_property
    def pu_ckpts(self) -> list[str]:
        pu = self.pu
        if not pu:
            return []
        steps = pu.get("steps") or self.series[pu["series"]]["sizes"][pu["size"]]["steps"]
        return [checkpoint_id(pu["series"], pu["size"], x) for x in sorted(steps)]

    def load_options(self, series: str) -> dict:
        """How a series' checkpoints are loaded (per series in the config)."""
        s = self.series[series]
        return {"trust_remote_code": s.get("trust_remote_code", False),
                "tokenizer_use_fast": s.get("tokenizer_use_fast", True)}

    def loadable(self, ckpt: str) -> dict:
        c = self.ckpts[ckpt]
        return {**c, **self.load_options(c["series"])}

    # ------------------------------------------------------------------ jobs
    @cached_property
    def jobs(self) -> dict[str, dict[str, list[str]]]:
        """stage -> job id -> its checkpoint ids (one checkpoint, or a step window's)."""
        ev = step_jobs(list(self.ckpts.values()), self.config["evaluate"]["step_window"])
        ft = step_jobs([self.ckpts[c] for c in self.ft_ckpts], self.ft["step_window"]) if self.ft else {}
        pu = step_jobs([self.ckpts[c] for c in self.pu_ckpts], self.pu["step_window"]) if self.pu else {}
        return {"evaluate": ev, "finetune": ft, "passuntil": pu}

    @cached_property
    def ft_job_of(self) -> dict[str, str]:
        return {c: job for job, cs in self.jobs["finetune"].items() for c in cs}

    @cached_property
    def eval_job_of(self) -> dict[str, str]:
        return {c: job for job, cs in self.jobs["evaluate"].items() for c in cs}

    def eval_ckpts(self, job: str) -> list[dict]:
        """The evaluate job's checkpoints, each with what it runs: few-shot on every task (and
        0-shot with evaluate.zero_shot), plus its finetunes (in the folder `finetuned`)."""
        fewshot = [{"task": t, "method": "fewshot", "data_amount": 0, "subset_sample": 0,
                    "num_fewshot": s["num_fewshot"]} for t, s in self.tasks.items()]
        if self.config["evaluate"].get("zero_shot"):  # Fig. 11, right: 0-shot beside k-shot
            fewshot += [{**r, "num_fewshot": 0} for r in fewshot if r["num_fewshot"] > 0]
        out = []
        for c in self.jobs["evaluate"][job]:
            ft = ({"runs": fewshot + self.ft_grid, "finetuned": self.layout.finetuned(self.ft_job_of[c], c)}
                  if c in self.ft_job_of else {"runs": fewshot})
            out.append({**self.loadable(c), **ft})
        return out

    def finetuned_dirs(self, job: str) -> list[str]:
        """The finetune job folders an evaluate job reads."""
        return sorted({self.layout.finetune_job(self.ft_job_of[c]) for c in self.jobs["evaluate"][job]
                       if c in self.ft_job_of})

    def job_runs(self, stage: str, ckpt: str) -> int:
        """How many runs one job of the stage does on a checkpoint (what its runtime scales with)."""
        if stage == "finetune":
            return len(self.ft_grid)
        if stage == "evaluate":
            fewshot = len(self.tasks) * (2 if self.config["evaluate"].get("zero_shot") else 1)
            return fewshot + (len(self.ft_grid) if ckpt in self.ft_job_of else 0)
        return 1

    def size_gparams(self, series: str, size: str) -> float:
        """Billions of parameters of a size: its `params` in the config; else read from the size
        label, a number and m or b ('410m' -> 0.41, '1.4b' -> 1.4, '13b' -> 13); else 0 (toy
        sizes such as 's' are tiny: the base values alone)."""
        spec = self.series[series]["sizes"][size]
        if spec.get("params"):
            return spec["params"] / 1e9
        m = _SIZE_LABEL.fullmatch(size)
        if m:
            return float(m.group(1)) * (1e-3 if m.group(2).lower() == "m" else 1.0)
        return 0.0

    def job_work(self, stage: str, job: str, per_run: bool) -> float:
        """Billions of parameters of the job's checkpoints: the largest (memory), or summed
        over checkpoints and runs (runtime)."""
        ckpts = self.jobs[stage][job]
        sizes = [self.size_gparams(self.ckpts[c]["series"], self.ckpts[c]["size"]) for c in ckpts]
        return sum(g * self.job_runs(stage, c) for g, c in zip(sizes, ckpts)) if per_run else max(sizes)
