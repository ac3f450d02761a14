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

from .toy import Corpus, CorpusConfig

GENERATORS = {}


def generator(name):
    def wrap(fn):
        GENERATORS[name] = fn
        return fn
    return wrap


def _walk(corpus: Corpus, rng, n: int):
    return corpus.walk(rng, 1, n)[0]


@generator("rule_mc")
def rule_mc(corpus: Corpus, rng, context: int = 8, **_) -> dict:
    """Which of the last word's successors does the rule pick? Choices: all of them.

    The bigram alone puts the rule's word at chance among the choices (1/successors);
    answering needs the previous word's class."""
    w = _walk(corpus, rng, context)
    succ = corpus.succ[w[-1]]
    label = int(corpus.cls[w[-2]])
    return {"context": " ".join(corpus.words(w)), "target": f"w{succ[label]}",
            "choices": corpus.words(succ), "label": label}


@generator("rule_gen")
def rule_gen(corpus: Corpus, rng, context: int = 8, span: int = 3, **_) -> dict:
    """Continue the text with the rule's next `span` words (exact match).

    Sampling guesses each word with probability ~1/successors (once the bigram is known),
    so small models pass rarely but not never: the regime PassUntil is for."""
    w = list(_walk(corpus, rng, context))
    cont = []
    for _ in range(span):
        cont.append(int(corpus.rule_next(w[-2], w[-1])))
        w.append(cont[-1])
    return {"context": " ".join(corpus.words(w[:context])), "target": " ".join(corpus.words(cont))}


def generate(task: dict, cc: CorpusConfig, out_dir: str, template_dir: str, seed: int) -> dict:
    """Write one toy task (data splits + lm-eval YAML) into out_dir; return its manifest."""
    name, gen = task["name"], GENERATORS[task["generator"]]
    corpus = Corpus(cc)
    opts = task.get("options", {})
    sizes = {"test": task["n_test"], "fewshot": task["n_fewshot_pool"], "pool": task["n_train_pool"]}
    os.makedirs(out_dir, exist_ok=True)
    # one stream per split so changing one split's size leaves the others unchanged
    for i, (split, n) in enumerate(sizes.items()):
        rng = np.random.default_rng([seed, i, sum(map(ord, name))])
        with open(os.path.join(out_dir, f"{split}.jsonl"), "w") as f:
            for _ in range(n):
                f.write(json.dumps(gen(corpus, rng, **opts)) + "\n")
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
