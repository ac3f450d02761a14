"""Evaluation through lm-eval's Python API.

One process evaluates one checkpoint, or the checkpoints of one step window: few-shot on
every task, then each finetuned adapter on its own task, in the same k-shot format (SPEC:
finetuning on D examples is compared with the N-shot prompt, so both are scored the same
way). Keeping lm-eval's task objects and tokenizations in one process pays the ~5 s
import cost once per job.
lm-eval's own results (config, task hashes) and its per-sample logs are kept per run.
"""
from __future__ import annotations

import array
import contextlib
import hashlib
import json
import logging
import os
import time

import numpy as np

log = logging.getLogger("emergence.evaluate")

from emergence.models import load_model, load_tokenizer, pick_device, pick_dtype  # noqa: E402,F401

# which lm-eval metric key holds the value we report, per output type
_METRIC_KEYS = {"acc": "acc,none", "acc_norm": "acc_norm,none", "exact_match": "exact_match,none",
                "mcc": "mcc,none", "f1": "f1,none"}


def _env_info_once() -> None:
    """Make lm-eval collect its environment report once per process, not once per run.

    simple_evaluate calls add_env_info on every run, which shells out (pip, git, GPU
    queries) for ~0.7 s: more than scoring a tiny model. The environment cannot change
    within a process, so later runs get a copy of the first report."""
    import copy

    import lm_eval.evaluator as ev

    if getattr(ev.add_env_info, "_emergence_once", False):
        return
    collect, first = ev.add_env_info, {}

    def add_env_info(storage: dict) -> None:
        if not first:
            collect(first)
        storage.update(copy.deepcopy(first))

    add_env_info._emergence_once = True
    ev.add_env_info = add_env_info


def _cached_hflm():
    """lm-eval's HFLM with memoised tok_encode.

    Every run re-tokenizes every prompt one string at a time (~1.2 s for 1000 6-way
    questions, several times the tiny model's forward passes); the runs of one checkpoint
    share the tokenizer and the prompts, so each string is encoded once per process."""
    from lm_eval.models.huggingface import HFLM

    class CachedHFLM(HFLM):
        def __init__(self, *args, encode_cache: dict, **kwargs):
            super().__init__(*args, **kwargs)
            self._encode_cache = encode_cache

        def tok_encode(self, string, add_special_tokens=None, left_truncate_len=None, **kwargs):
            # HFLM's own settings enter the key too: they change what tok_encode returns
            key = (string, add_special_tokens, left_truncate_len, self.add_bos_token,
                   self.prefix_token_id, tuple(sorted(kwargs.items())))
            ids = self._encode_cache.get(key)
            if ids is None:
                ids = super().tok_encode(string, add_special_tokens, left_truncate_len, **kwargs)
                # int32 arrays: a tenth of a list's memory, for paper-size tasks (MMLU 5-shot)
                self._encode_cache[key] = array.array("i", ids)
                return ids
            return list(ids)

    return CachedHFLM


class Evaluator:
    """Holds lm-eval's task manager, and caches that do not change between runs, within one process."""

    def __init__(self, include_path: str | None, include_defaults: bool = False,
                 batch_size: int = 64, device: str = "cpu", seed: int = 1234):
        from lm_eval.tasks import TaskManager

        self.tm = TaskManager(include_path=include_path, include_defaults=include_defaults)
        self.batch_size, self.device, self.seed = batch_size, device, seed
        self.lm_class = _cached_hflm()
        self.encode_caches = {}  # tokenizer identity -> {encode args: ids}
        self._tok_keys = {}      # id(tokenizer) -> (tokenizer, identity)
        _env_info_once()

    def _encode_cache(self, tokenizer) -> dict:
        """The encode cache of this tokenizer, shared by every checkpoint whose (fast)
        tokenizer is the same: a series' checkpoints usually share one."""
        if id(tokenizer) not in self._tok_keys:
            try:  # a fast tokenizer's whole definition; custom Python parts cannot be serialised
                spec = tokenizer.backend_tokenizer.to_str()
                key = (hashlib.sha1(spec.encode()).hexdigest(), type(tokenizer).__name__,
                       str(getattr(tokenizer, "split_special_tokens", None)))
            except Exception:
                key = id(tokenizer)
            # the tokenizer is kept so that its id cannot be reused by another
            self._tok_keys[id(tokenizer)] = (tokenizer, key)
        return self.encode_caches.setdefault(self._tok_keys[id(tokenizer)][1], {})

    def run(self, model, tokenizer, task: str, num_fewshot: int, limit: int | None = None,
            gen_kwargs: dict | None = None, samples: dict | None = None) -> dict:
        """Evaluate a loaded HF model (lm-eval's HFLM with the shared encode cache)."""
        cache = self._encode_cache(tokenizer)
        for name in ("lm-eval", "lm_eval"):  # see run_lm
            logging.getLogger(name).setLevel(logging.ERROR)
        lm = self.lm_class(pretrained=model, tokenizer=tokenizer, batch_size=self.batch_size,
                           device=self.device, max_length=getattr(model.config, "n_positions", None),
                           encode_cache=cache)
        return self.run_lm(lm, task, num_fewshot, limit, gen_kwargs, samples)

    def vllm(self, path: str, revision: str | None = None, lora: bool = False, trust_remote_code: bool = False):
        """lm-eval's vLLM model of one checkpoint (evaluate.backend: vllm), with LoRA enabled
        when adapters will be evaluated on it: `set_adapter` then swaps them as LoRA requests,
        so the engine, like AdapterHost, loads the base once. Needs vllm and a CUDA GPU."""
        from lm_eval.models.vllm_causallms import VLLM

        # lm-eval turns LoRA on when given a path; the first request is replaced per run
        return VLLM(pretrained=path, revision=revision, batch_size="auto", seed=self.seed,
                    trust_remote_code=trust_remote_code, lora_local_path=path if lora else None)

    @staticmethod
    def set_adapter(lm, adapter: str | None, index: int):
        from vllm.lora.request import LoRARequest

        lm.lora_request = None if adapter is None else LoRARequest(f"adapter{index}", index + 1, adapter)

    def run_lm(self, lm, task: str, num_fewshot: int, limit: int | None = None,
               gen_kwargs: dict | None = None, samples: dict | None = None) -> dict:
        from lm_eval import simple_evaluate

        t0 = time.time()
        # lm-eval's per-run warnings (a model object passed in, num_fewshot overridden: by design
        # here) and its progress bars (explicitly enabled, so TQDM_DISABLE does not reach them)
        # would bury the job's own lines: errors still raise, the job logs one line per run
        with open(os.devnull, "w") as null, contextlib.redirect_stderr(null):
            res = simple_evaluate(model=lm, tasks=[task], num_fewshot=num_fewshot, limit=limit,
                                  samples=samples, task_manager=self.tm, log_samples=True,
                                  bootstrap_iters=0, gen_kwargs=gen_kwargs, random_seed=self.seed,
                                  numpy_random_seed=self.seed, torch_random_seed=self.seed,
                                  fewshot_random_seed=self.seed, verbosity="ERROR")
        res["emergence_eval_seconds"] = time.time() - t0
        return res


def metric_value(res: dict, task: str, metric: str) -> float:
    r = res["results"][task]
    key = _METRIC_KEYS.get(metric, f"{metric},none")
    if key not in r:
        # lm-eval names metrics "<metric>,<filter>"; fall back to the first filter present
        key = next(k for k in r if k.split(",")[0] == metric)
    return float(r[key])


def metric_stderr(samples: list[dict], metric: str) -> float:
    """Standard error of a mean-aggregated metric from lm-eval's per-sample scores (binomial
    for accuracy); NaN when the samples do not carry it (e.g. corpus-level metrics like mcc).
    lm-eval's own stderr needs bootstrap_iters > 0, which we turn off for speed."""
    vals = [s[metric] for s in samples if isinstance(s.get(metric), (int, float, bool))]
    if len(vals) < 2 or len(vals) != len(samples):
        return float("nan")
    return float(np.std(np.asarray(vals, float), ddof=1) / np.sqrt(len(vals)))


def normalized_logprob(samples: list[dict]) -> float:
    """Mean log-probability of the correct choice, normalised over the choices, and its
    standard error. The paper's continuous metric: log p(gold) - logsumexp over the
    choices' log-probs.
    """
    vals = []
    for s in samples:
        ll = np.array([r[0] for r in s["filtered_resps"]], dtype=float)
        gold = s["target"] if isinstance(s["target"], int) else int(s["doc"]["label"])
        vals.append(ll[gold] - np.logaddexp.reduce(ll))
    se = float(np.std(vals, ddof=1) / np.sqrt(len(vals))) if len(vals) > 1 else float("nan")
    return float(np.mean(vals)), se


def save_run(res: dict, task: str, out_dir: str) -> None:
    """Write lm-eval's results (without samples) and its per-sample log as JSONL."""
    from lm_eval.utils import hash_string

    os.makedirs(out_dir, exist_ok=True)
    samples = res.pop("samples", {}).get(task, [])
    # the same task hash lm-eval's EvaluationTracker writes, without its timestamped file names
    res["task_hashes"] = {task: hash_string("".join(s["doc_hash"] + s["prompt_hash"] + s["target_hash"]
                                                    for s in samples))}
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump(res, f, indent=1, default=str, sort_keys=True)
    with open(os.path.join(out_dir, "samples.jsonl"), "w") as f:
        for s in samples:
            f.write(json.dumps(s, default=str, sort_keys=True) + "\n")
    res["samples"] = {task: samples}
