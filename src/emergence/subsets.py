"""Nested random subsets of a finetuning pool: for each draw, D examples are the first D
of one seeded permutation, so the D=16 subset is inside the D=64 one (as in the paper's
data-amount sweeps) while different draws are independent."""
from __future__ import annotations

import zlib

import numpy as np


def stable_seed(*parts) -> int:
    """A seed from any labels, stable across processes and Python versions (unlike hash())."""
    return zlib.crc32("/".join(map(str, parts)).encode())


def nested_subsets(pool_size: int, data_amounts: list[int], samples: int, seed: int, task: str) -> dict:
    if max(data_amounts) > pool_size:
        raise ValueError(f"D = {max(data_amounts)} exceeds the finetuning pool of task {task!r} ({pool_size})")
    out = {}
    for s in range(1, samples + 1):
        perm = np.random.default_rng(stable_seed(seed, task, s)).permutation(pool_size)
        for d in sorted(data_amounts):
            out.setdefault(str(d), {})[str(s)] = perm[:d].tolist()
    return {"task": task, "pool_size": pool_size, "seed": seed, "subsets": out}
