"""Toy tasks as lm-eval task YAMLs over local JSONL files.

Each generated task directory holds test.jsonl, fewshot.jsonl (demonstrations), pool.jsonl
(the finetuning pool, disjoint from both) and <task>.yaml, which `include:`s a template
from the repo's tasks/ folder and adds the data files. lm-eval finds it through
include_path. Every record has `context` and `target`; multiple-choice records also have
`choices` and `label`.
"""
from __future__ import annotations

import json
import os

import numpy as np

from .toy import CorpusConfig

GENERATORS = {}


def generator(name):
    def wrap(fn):
        GENERATORS[name] = fn
        return fn
    return wrap


def _pairs(cc: CorpusConfig, rng, n_pairs: int):
    keys = rng.choice(cc.n_keys, n_pairs, replace=False)
    # distinct values so that the multiple-choice options are distinct: chance = 1/n_pairs
    values = rng.choice(cc.n_values, n_pairs, replace=False)
    return [f"k{k}" for k in keys], [f"v{v}" for v in values]


@generator("recall_mc")
def recall_mc(cc: CorpusConfig, rng, pairs: int = 6, **_) -> dict:
    """In-context associative recall: k v k v ... k_q -> v_q, choices = the in-context values."""
    keys, values = _pairs(cc, rng, pairs)
    q = int(rng.integers(pairs))
    ctx = " ".join(f"{k} {v}" for k, v in zip(keys, values)) + f" {keys[q]}"
    return {"context": ctx, "target": values[q], "choices": values, "label": q}


@generator("span_gen")
def span_gen(cc: CorpusConfig, rng, pairs: int = 6, span: int = 3, **_) -> dict:
    """Copy the `span` tokens that followed the query key in context (exact match).

    Guessing passes with probability ~ pairs**-span, so small models pass rarely but not
    never: the regime PassUntil is for.
    """
    keys, values = _pairs(cc, rng, pairs)
    flat = [t for kv in zip(keys, values) for t in kv]
    q = int(rng.integers(0, (2 * pairs - span - 1) // 2 + 1))  # the span must fit in context
    start = 2 * q + 1
    return {"context": " ".join(flat) + f" {keys[q]}", "target": " ".join(flat[start:start + span])}


def generate(task: dict, cc: CorpusConfig, out_dir: str, template_dir: str, seed: int) -> dict:
    """Write one toy task (data splits + lm-eval YAML) into out_dir; return its manifest."""
    name, gen = task["name"], GENERATORS[task["generator"]]
    opts = task.get("options", {})
    sizes = {"test": task["n_test"], "fewshot": task["n_fewshot_pool"], "pool": task["n_train_pool"]}
    os.makedirs(out_dir, exist_ok=True)
    # one stream per split so changing one split's size leaves the others unchanged
    for i, (split, n) in enumerate(sizes.items()):
        rng = np.random.default_rng([seed, i, sum(map(ord, name))])
        with open(os.path.join(out_dir, f"{split}.jsonl"), "w") as f:
            for _ in range(n):
                f.write(json.dumps(gen(cc, rng, **opts)) + "\n")
    template = os.path.abspath(os.path.join(template_dir, task["template"]))
    files = {s: os.path.abspath(os.path.join(out_dir, f"{s}.jsonl")) for s in ("test", "fewshot")}
    # YAML is a superset of JSON: writing JSON keeps this free of a YAML writer
    yaml_cfg = {"include": template, "task": name, "dataset_kwargs": {"data_files": files}}
    with open(os.path.join(out_dir, f"{name}.yaml"), "w") as f:
        json.dump(yaml_cfg, f, indent=1)
    return {"name": name, "sizes": sizes, "yaml": os.path.join(out_dir, f"{name}.yaml")}


def read_jsonl(path: str) -> list[dict]:
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]
