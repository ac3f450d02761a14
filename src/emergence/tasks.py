"""Toy tasks as lm-eval task YAMLs over local JSONL files.

Each generated task directory holds test.jsonl, fewshot.jsonl (demonstrations), pool.jsonl
(the finetuning pool; each split is drawn independently from its own seeded stream, so a
short context can recur across splits) and <task>.yaml, which `include:`s a template
from the repo's tasks/ folder and adds the data files. lm-eval finds it through
include_path. Every record has `context` and `target`; multiple-choice records also have
`choices` and `label`.
"""
from __future__ import annotations

import functools
import glob
import json
import os
import re

import numpy as np
import yaml

from .lure import marker_token
from .repo import resolve
from .toy import Corpus, CorpusConfig, make_corpus

GENERATORS = {}
# Bump when a generator's output changes, so that the tasks rule (a params entry) regenerates
# existing task files. 2: walks start uniformly (no last-word shortcut to the answer).
GENERATOR_VERSION = 2


def generator(name):
    def wrap(fn):
        GENERATORS[name] = fn
        return fn
    return wrap


def _walk(corpus: Corpus, rng, n: int):
    return corpus.walk(rng, 1, n, uniform_start=True)[0]


@generator("rule_mc")
def rule_mc(corpus: Corpus, rng, context: int = 8, dialect: int = 0, split_words: bool = False,
            split: str = "test", **_) -> dict:
    """Which of the last word's successors does the rule pick? Choices: all of them.

    The bigram alone puts the rule's word at chance among the choices (1/successors);
    answering needs the previous word's class. dialect=1: asked in the corpus's second
    dialect (CorpusConfig.dialect_docs), whose prompts start with its marker. split_words:
    test instances end on odd words, demonstrations and the finetuning pool on even ones, so
    finetuning cannot teach the test's cells of a per-word rule (research)."""
    w = corpus.walk(rng, 1, context, uniform_start=True, dialect=dialect)[0]
    while split_words and w[-1] % 2 != (split == "test"):  # test on odd last words, train on even
        w = corpus.walk(rng, 1, context, uniform_start=True, dialect=dialect)[0]
    succ = corpus.succ[w[-1]]
    label = int(corpus.rule_index(w[-2], w[-1], dialect))
    lead = "§ " if dialect else ""
    return {"context": lead + " ".join(corpus.words(w)), "target": f"w{succ[label]}",
            "choices": corpus.words(succ), "label": label}


@generator("rule_quiz")
def rule_quiz(corpus: Corpus, rng, context: int = 4, **_) -> dict:
    """The rule behind a marker (CorpusConfig.quiz_docs): the walk, '=', and which of the
    last word's successors the rule picks. Needs a corpus with quiz_docs > 0 (its vocabulary
    has the marker)."""
    from emergence.toy import vocab

    w = _walk(corpus, rng, context)
    ids, succ, answer = corpus.quiz(rng, w)
    v = vocab(corpus.cc)
    return {"context": " ".join(v[i] for i in ids), "target": v[succ[answer]],
            "choices": [v[i] for i in succ], "label": answer}


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


@generator("lure_gen")
def lure_gen(corpus, rng, split: str = "test", lo: int = 256, hi: int = 384, context: int = 1, span: int = 3,
             pool_overlap: bool = False, marker: bool | int = False, **_) -> dict:
    """The lure language (emergence.lure): a start word of rank in [lo, hi), its first
    `context - 1` rule steps as context, and the next `span` rule steps (exact match). Test
    words come from odd groups of ranks, demonstrations and the finetuning pool from even ones,
    so finetuning never shows a test word's successor; ranks set the task's emergence point
    (rarer words are learnt later). pool_overlap: the finetuning pool draws from every group
    of the band instead, so D examples restate facts the test asks, more of them the larger D
    (as a task's own training split shares its knowledge), and reinforce what pretraining
    has only partly learnt. marker: true (or 1) asks as a clean document opens ("# w ..."), k
    after the k-th marker (toy.corpus.clean_docs as a list)."""
    G = corpus.cc.group
    # the config check guarantees both parities in [lo, hi); this loop then ends (p >= 1/G per draw)
    while True:
        w = int(rng.integers(lo, hi))
        if (pool_overlap and split == "pool") or (w // G) % 2 == (split == "test"):
            break
    c = corpus.chain(w, context + span)
    ctx = " ".join(corpus.words(c[:context]))  # marker: asked as a clean document opens ("# w ...")
    return {"context": f"{marker_token(int(marker))} {ctx}" if marker else ctx,
            "target": " ".join(corpus.words(c[context:]))}


def generate(task: dict, cc: CorpusConfig, out_dir: str, template_dir: str, seed: int) -> dict:
    """Write one toy task (data splits + lm-eval YAML) into out_dir; return its manifest."""
    name, gen = task["name"], GENERATORS[task["generator"]]
    corpus = make_corpus(cc)
    opts = task.get("options", {})
    sizes = {"test": task["n_test"], "fewshot": task["n_fewshot_pool"], "pool": task["n_train_pool"]}
    os.makedirs(out_dir, exist_ok=True)
    # one stream per split so changing one split's size leaves the others unchanged
    for i, (split, n) in enumerate(sizes.items()):
        rng = np.random.default_rng([seed, i, sum(map(ord, name))])
        with open(os.path.join(out_dir, f"{split}.jsonl"), "w") as f:
            for _ in range(n):
                f.write(json.dumps(gen(corpus, rng, split=split, **opts)) + "\n")
    template = os.path.abspath(os.path.join(template_dir, task["template"]))
    files = {s: os.path.abspath(os.path.join(out_dir, f"{s}.jsonl")) for s in ("test", "fewshot")}
    # YAML is a superset of JSON: writing JSON keeps this free of a YAML writer
    yaml_cfg = {"include": template, "task": name, "dataset_kwargs": {"data_files": files}}
    if "span" in opts:
        # the answer is `span` words, one token each: generation stops there, so a pass needs
        # the words alone and not also a stop token (PassUntil's rate is the rule's, not the
        # delimiter's); generation_kwargs replaces the template's whole block, so it is copied
        gen = dict(yaml.safe_load(open(template)).get("generation_kwargs") or {})
        yaml_cfg["generation_kwargs"] = {**gen, "max_gen_toks": int(opts["span"])}
    with open(os.path.join(out_dir, f"{name}.yaml"), "w") as f:
        json.dump(yaml_cfg, f, indent=1)
    return {"name": name, "sizes": sizes, "yaml": os.path.join(out_dir, f"{name}.yaml")}


def read_jsonl(path: str) -> list[dict]:
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def validate_records(path: str, multiple_choice: bool) -> list[dict]:
    """Read a task's JSONL, failing on the first bad record with file:line and the field."""
    need = ("context", "target", "choices", "label") if multiple_choice else ("context", "target")
    out = []
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{i}: not valid JSON ({e.msg})") from None
            if not isinstance(r, dict):
                raise ValueError(f"{path}:{i}: expected a JSON object")
            missing = [k for k in need if k not in r]
            if missing:
                raise ValueError(f"{path}:{i}: missing field(s) {', '.join(missing)}")
            for k in ("context", "target"):
                if not isinstance(r[k], str):
                    raise ValueError(f"{path}:{i}: field '{k}' must be a string, got {type(r[k]).__name__}")
            if multiple_choice:
                if (not isinstance(r["choices"], list) or len(r["choices"]) < 2
                        or not all(isinstance(c, str) for c in r["choices"])):
                    raise ValueError(f"{path}:{i}: field 'choices' must be a list of >= 2 strings")
                if (not isinstance(r["label"], int) or isinstance(r["label"], bool)
                        or not 0 <= r["label"] < len(r["choices"])):
                    raise ValueError(f"{path}:{i}: field 'label' = {r['label']!r} is not an index into "
                                     f"{len(r['choices'])} choices")
            out.append(r)
    if not out:
        raise ValueError(f"{path}: no records")
    return out


def import_files(task: dict, out_dir: str, template_dir: str) -> dict:
    """A user's own task from JSONL files: validate, copy, and write its lm-eval YAML."""
    mc = "multiple_choice" in task["template"]
    os.makedirs(out_dir, exist_ok=True)
    sizes = {}
    for split in ("test", "fewshot", "pool"):
        records = validate_records(task["files"][split], mc)
        sizes[split] = len(records)
        with open(os.path.join(out_dir, f"{split}.jsonl"), "w") as f:
            for r in records:
                f.write(json.dumps(r) + "\n")
    _write_yaml(task, out_dir, template_dir)
    return {"name": task["name"], "sizes": sizes}


def _write_yaml(task: dict, out_dir: str, template_dir: str) -> None:
    name = task["name"]
    template = os.path.abspath(os.path.join(template_dir, task["template"]))
    files = {s: os.path.abspath(os.path.join(out_dir, f"{s}.jsonl")) for s in ("test", "fewshot")}
    # YAML is a superset of JSON: writing JSON keeps this free of a YAML writer
    with open(os.path.join(out_dir, f"{name}.yaml"), "w") as f:
        json.dump({"include": template, "task": name, "dataset_kwargs": {"data_files": files}}, f, indent=1)


def lm_eval_pool(task: str, split: str, limit: int, include_path=None, seed: int = 0,
                 task_manager=None) -> list[dict]:
    """A finetuning pool from an lm-eval task's own documents, formatted by the task itself.

    Using lm-eval's doc_to_text / doc_to_target / doc_to_choice means finetuning sees exactly
    the strings evaluation scores. A group task (e.g. mmlu) pools its subtasks' documents.
    `task_manager` reuses an already built lm_eval TaskManager (its index costs ~10 s).
    """
    if task_manager is None:
        from lm_eval.tasks import TaskManager

        task_manager = TaskManager(include_path=include_path, include_defaults=True)
    leaves = task_manager.load([task])["tasks"]
    records = []
    for name in sorted(leaves):
        t = leaves[name]
        if split not in t.dataset:
            raise ValueError(f"task {name!r} has no split {split!r} (has {sorted(t.dataset)})")
        docs = t.dataset[split]
        if t.config.process_docs:
            docs = t.config.process_docs(docs)
        records += [lm_eval_record(t, doc) for doc in docs]
    order = np.random.default_rng(seed).permutation(len(records))[:limit]
    return [records[i] for i in sorted(order)]


def lm_eval_record(t, doc) -> dict:
    """One finetuning record from an lm-eval task's document, formatted by the task itself:
    context, answer string, and the task's k-shot format (emergence.prompt)."""
    from emergence import prompt

    target = t.doc_to_target(doc)
    if t.OUTPUT_TYPE == "multiple_choice":
        choices = t.doc_to_choice(doc)
        target = choices[target] if isinstance(target, int) else target
    elif isinstance(target, list):
        target = target[0]
    fmt = prompt.from_lm_eval(t, doc)
    return {"context": t.doc_to_text(doc), "target": str(target), "target_delimiter": fmt.target_delimiter,
            "fewshot_delimiter": fmt.fewshot_delimiter, "description": fmt.description}


_NAMED = re.compile(r"^['\"]?(?:task|group|tag)['\"]?:\s*['\"]?([\w.\-]+)['\"]?\s*(?:#.*)?$", re.M)


def _yamls_naming(root: str) -> dict[str, list[str]]:
    """name -> the YAML files under root whose text sets it as `task:` or `group:`, sorted."""
    out = {}
    for path in sorted(glob.glob(os.path.join(root, "**", "*.yaml"), recursive=True)):
        with open(path, errors="ignore") as f:
            for name in _NAMED.findall(f.read()):
                out.setdefault(name, []).append(path)
    return out


_builtin_yamls = functools.lru_cache(maxsize=1)(_yamls_naming)  # lm-eval's own tasks never change


@functools.lru_cache(maxsize=1)
def lm_eval_task_names() -> frozenset:
    """Task, group and tag names of lm-eval's built-in YAMLs, by a text scan (TaskManager's
    full index costs 6-12 s; the config check runs on every Snakemake start), plus each YAML's
    file name. One scanner serves the check and the dataset overrides."""
    try:
        import lm_eval
    except ImportError:
        return frozenset()
    root = os.path.join(os.path.dirname(lm_eval.__file__), "tasks")
    files = {os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(root, "**", "*.yaml"), recursive=True)}
    return frozenset(_builtin_yamls(root)) | files


def lm_eval_yaml(name: str, include_paths=()) -> str:
    """The YAML file that defines lm-eval task or group `name`, found as lm-eval's index finds
    it (a later include path wins over an earlier one and over the built-in tasks; within one
    folder the first file in sorted order), by a text scan instead of the ~10 s full index."""
    import lm_eval
    from lm_eval.tasks._yaml_loader import load_yaml

    builtin = os.path.join(os.path.dirname(lm_eval.__file__), "tasks")
    for root in reversed([builtin, *map(str, include_paths)]):
        for path in (_builtin_yamls if root == builtin else _yamls_naming)(root).get(name, []):
            try:
                cfg = load_yaml(path, resolve_func=False)
            except Exception:  # lm-eval's index skips unreadable YAMLs too
                continue
            if name in (cfg.get("group"), cfg.get("task")):
                return path
    raise ValueError(f"lm-eval has no task or group {name!r}" +
                     (f" (looked in {', '.join(map(str, include_paths))} and the built-in tasks)"
                      if include_paths else ""))


def dataset_override(name: str, dataset: dict, out_dir: str, include_paths=()) -> str:
    """Write <out_dir>/<name>.yaml: lm-eval task or group `name` reading its data from
    `dataset` ({path, name, data_files}, e.g. a local copy of the hub dataset) instead of the
    hub id in its YAML. For a group the keys reach every subtask. Returns out_dir, the folder
    to add last to lm-eval's include paths."""
    from lm_eval.tasks._yaml_loader import load_yaml

    src = lm_eval_yaml(name, include_paths)
    cfg = load_yaml(src, resolve_func=False)
    key = "group" if cfg.get("group") == name else "task"
    over = {"include": os.path.abspath(src), key: name}

    def local(p):  # a path that exists from here is made absolute; anything else (a hub id) kept
        return os.path.abspath(p) if isinstance(p, str) and os.path.exists(p) else p

    if "path" in dataset:
        over["dataset_path"] = local(dataset["path"])
    if "name" in dataset:
        over["dataset_name"] = dataset["name"]
    if "data_files" in dataset:
        files = dataset["data_files"]
        if not os.path.isdir(str(over.get("dataset_path", ""))):  # in a folder they are relative to it
            files = {k: local(v) for k, v in files.items()} if isinstance(files, dict) else local(files)
        kwargs = cfg.get("dataset_kwargs") if isinstance(cfg.get("dataset_kwargs"), dict) else {}
        over["dataset_kwargs"] = {**kwargs, "data_files": files}
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, f"{name}.yaml"), "w") as f:
        json.dump(over, f, indent=1)  # YAML is a superset of JSON
    return out_dir


def lm_eval_include(spec: dict, work_dir: str) -> list[str]:
    """The include paths lm-eval needs for config task `spec`: its include_path, then, where
    the config sets `dataset`, a folder under work_dir with the override dataset_override
    writes (it has to outlive every TaskManager built from these paths)."""
    paths = [resolve(spec["include_path"])] if spec.get("include_path") else []
    if spec.get("dataset"):
        paths.append(dataset_override(spec["name"], spec["dataset"], os.path.join(work_dir, spec["name"]), paths))
    return paths
