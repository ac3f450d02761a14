"""What every workflow script does first: log to the rule's log file, one thread, quiet libs.

Scripts are thin: they read Snakemake's inputs/params and call one function of the
package. `stage_main` gives each the same start-up, so a failure leaves a readable log.
"""
from __future__ import annotations

import atexit
import contextlib
import gc
import json
import logging
import os
import sys
import time
import warnings

# where a job's seconds go: process start -> setup ("startup": interpreter + Snakemake's
# script preamble), setup -> begin_work() ("imports"), then named spans ("load", ...);
# the rest is "work". Written next to the log as <log>.timing.json for bench/bench_run.py.
_T = {"spans": {}}


def _process_start() -> float:
    """Wall-clock time this process started (Linux /proc), or now if unknown."""
    try:
        ticks = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19])
        uptime = float(open("/proc/uptime").read().split()[0])
        return time.time() - uptime + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.time()


def begin_work() -> None:
    """Call after the heavy imports, before the stage's own work."""
    # torch + transformers + lm-eval leave ~450,000 objects tracked by the garbage collector;
    # they live as long as the process. Freezing them keeps every later collection, and the
    # one at interpreter exit, from walking them again: ~0.75 s less per heavy job (measured).
    gc.freeze()
    _T["work_start"] = time.time()


def preload(lm_eval: bool = True, peft: bool = True) -> None:
    """Import the heavy libraries now, so job timings separate imports from work.

    Stages that never call lm-eval (toy, finetune, pretrain_loss) or load no adapter skip
    those imports: each costs seconds per job, and a toy run has dozens of jobs."""
    import torch  # noqa: F401
    import transformers  # noqa: F401
    from transformers import AutoModelForCausalLM  # noqa: F401  (the lazy module's real import)
    import transformers.modeling_utils  # noqa: F401  (else the first model load imports it: ~1.5 s)

    if peft:
        import peft as _peft  # noqa: F401
    if lm_eval:
        import lm_eval.evaluator  # noqa: F401
        import lm_eval.models.huggingface  # noqa: F401


@contextlib.contextmanager
def span(name: str):
    """Time a non-work part of the job (e.g. model loading), summed per name."""
    t0 = time.time()
    try:
        yield
    finally:
        _T["spans"][name] = _T["spans"].get(name, 0.0) + time.time() - t0


def _write_timing(path: str) -> None:
    end = time.time()
    work_start = _T.get("work_start", end)
    spans = _T["spans"]
    out = {"startup": _T["setup"] - _T["start"], "imports": work_start - _T["setup"],
           **spans, "work": end - work_start - sum(spans.values()), "total": end - _T["start"]}
    with open(path, "w") as f:
        json.dump({k: round(v, 3) for k, v in out.items()}, f, sort_keys=True)


def setup(log_path: str | None, threads: int = 1) -> logging.Logger:
    """Send stdout, stderr and logging to log_path; cap math libraries at `threads`."""
    _T.update(start=_process_start(), setup=time.time())
    if log_path:
        atexit.register(_write_timing, f"{log_path}.timing.json")
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("TQDM_DISABLE", "1")
    if log_path:
        os.makedirs(os.path.dirname(log_path) or ".", exist_ok=True)
        f = open(log_path, "w", buffering=1)
        sys.stdout = sys.stderr = f
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("lm-eval", "lm_eval", "transformers", "datasets", "peft", "urllib3", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # transformers' deprecation notices (one per model load) say nothing about the job
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"transformers(\.|$)")
    # torch reads OMP_NUM_THREADS when it is imported; importing it here only to set threads
    # would cost every light job (tables, figures) ~1.2 s for a library it never uses
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    return logging.getLogger("emergence")


class Progress:
    """Progress with an ETA, one log line at most every `every` seconds."""

    def __init__(self, total: int, log: logging.Logger, what: str, every: float = 5.0):
        self.total, self.log, self.what, self.every = total, log, what, every
        self.t0 = self.last = time.time()
        self.done = 0

    def step(self, note: str = "") -> None:
        self.done += 1
        now = time.time()
        if now - self.last >= self.every or self.done == self.total:
            el = now - self.t0
            eta = el / self.done * (self.total - self.done)
            self.log.info(f"{self.what} {self.done}/{self.total} elapsed {el:.0f}s eta {eta:.0f}s {note}")
            self.last = now
