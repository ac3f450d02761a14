"""The harness's lure-language JSON (`toy_harness.py --lure`, `lure_margin.py`) as a pipeline
corpus config. The language itself is emergence.lure (toy.corpus.kind = lure) and its task
generator emergence.tasks.lure_gen; this keeps the recorded commands of batches 31-45
(bench/measured/toy_harness_issue15.txt) meaning what they meant: their key `rule` is
toy.corpus.rule_prob, and keys they omit take the harness's defaults of the time below (for
the language, and for lure_gen's options: the package's are ranks 256-384 and span 3).
"""
from dataclasses import replace

import numpy as np

from emergence.lure import LureCorpus
from emergence.toy import CorpusConfig

HARNESS_DEFAULTS = {"n_words": 512, "zipf": 1.0, "rule": 0.45, "lure": 0.3, "group": 4, "doc_end": 0.1, "lures": 1,
                    "seq_len": 96}

TASK_DEFAULTS = {"lo": 64, "hi": 128, "span": 2}


def lure_config(spec: dict, seed: int) -> CorpusConfig:
    d = {"seed": seed, **HARNESS_DEFAULTS, **spec}
    return CorpusConfig(kind="lure", rule_prob=d.pop("rule"), **d)


def task_options(generator: str, opts: dict) -> dict:
    return {**TASK_DEFAULTS, **opts} if generator == "lure_gen" else opts


class CleanRows:
    """Harness only (batch 95): a share of training rows is lure-free throughout, with no
    marker, so a model can infer from its context that the lure will not come (the task's
    demonstrations are lure-free rows too) and few-shot access grows with what pretraining
    teaches about reading the context, not with one marker's documents. A clean row is the
    same language with its lure mass going to fresh words, as clean documents have it."""

    def __init__(self, corpus, share: float):
        if not 0 < share <= 1:
            raise ValueError(f"--lure clean_rows: a share of training rows in (0, 1], got {share!r}")
        self.base, self.share, self.cc = corpus, share, corpus.cc
        # lure only moves the lure's mass to fresh words: the successor tables are drawn as before
        self.clean = LureCorpus(replace(corpus.cc, lure=0.0))

    def __getattr__(self, name):  # chain(), words(), ... as the base language has them
        return getattr(self.base, name)

    def batch(self, rng, batch_size: int) -> np.ndarray:
        k = int(rng.binomial(batch_size, self.share))
        rows = [self.base.batch(rng, batch_size - k)] + ([self.clean.batch(rng, k)] if k else [])
        return np.concatenate(rows)[rng.permutation(batch_size)]
