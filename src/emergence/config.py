"""Experiment config: load-time checks. It derives nothing (the job plan is emergence.plan).

Snakemake validates the config against schemas/config.schema.yaml (types, unknown keys,
empty lists) and fills defaults; `size_problem` refuses YAML that expands past a limit before
that, and `check` cross-checks references between sections, so that a bad config fails
before any job runs in one line naming the field.
"""
from __future__ import annotations

import os

import yaml

from emergence import plan
from emergence import tasks as tasks_mod
from emergence.repo import REPO, resolve  # noqa: F401  (REPO: the scripts' import point)



class ConfigError(ValueError):
    pass


MAX_PLANNED_RUNS = 100_000  # schema default of max_planned_runs


def canonical(x):
    """The config with every mapping's keys sorted: Snakemake compares params by their text,
    so the same settings written in another key order must not look like a change."""
    if isinstance(x, dict):
        return {k: canonical(x[k]) for k in sorted(x)}
    if isinstance(x, list):
        return [canonical(v) for v in x]
    return x




def claim_results(out_dir: str, configfiles) -> str | None:
    """Record which config file owns results/<name>/; a problem if another one already does."""
    src = os.path.abspath(str(configfiles[0])) if configfiles else os.path.abspath("config.yaml")
    claim = os.path.join(out_dir, ".configfile")
    if os.path.exists(claim):
        owner = open(claim).read().strip()
        if owner != src and os.path.exists(owner):
            return (f"invalid config ({src}): field 'name': {os.path.basename(out_dir)!r} is already the name of "
                    f"{owner}, whose results are in {out_dir}; give this config another name")
        if owner == src:
            return None
    os.makedirs(out_dir, exist_ok=True)
    with open(claim, "w") as f:
        f.write(src + "\n")
    return None


def load_schema(path: str | None = None) -> dict:
    with open(path or os.path.join(REPO, "schemas", "config.schema.yaml")) as f:
        return yaml.safe_load(f)


def schema_problem(config: dict, source: str = "config") -> str | None:
    """The first schema violation as one line naming the field, or None."""
    try:
        validate(config, source, cross_checks=False)
    except ConfigError as e:
        return str(e).split(": ", 1)[1]
    return None


def validate(config: dict, source: str = "config", cross_checks: bool = True) -> dict:
    """Schema validation with defaults (as Snakemake does) plus `check`; raises ConfigError."""
    import jsonschema

    schema = load_schema()
    validator_cls = jsonschema.validators.validator_for(schema)

    def set_defaults(validator, properties, instance, schema):
        for prop, sub in properties.items():
            if isinstance(instance, dict) and "default" in sub and prop not in instance:
                instance[prop] = _copy(sub["default"])
        yield from validator_cls.VALIDATORS["properties"](validator, properties, instance, schema)

    cls = jsonschema.validators.extend(validator_cls, {"properties": set_defaults})
    errors = sorted(cls(schema).iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        msg = e.message if len(e.message) < 200 else e.message[:200] + "..."
        raise ConfigError(f"{source}: field '{_path(e.absolute_path)}': {msg}")
    problems = check(config) if cross_checks else []
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))
    return config


def _copy(x):
    import copy

    return copy.deepcopy(x)


def _few(xs, n=5) -> str:
    """A list for a one-line message: the first few and how many in all."""
    xs = list(xs)
    return str(xs) if len(xs) <= n else f"[{', '.join(map(str, xs[:n]))}, ... ({len(xs)} in all)]"


def _path(p) -> str:
    return ".".join(str(x) for x in p) or "<top level>"


def backend_problem(config: dict) -> str | None:
    """evaluate.backend: vllm needs the vllm package (and, at job time, a CUDA GPU)."""
    import importlib.util

    if (config.get("evaluate") or {}).get("backend") == "vllm" and importlib.util.find_spec("vllm") is None:
        return ("field 'evaluate.backend': vllm is not installed here (`pip install vllm`; it needs a CUDA GPU); "
                "use hf")
    return None


def check(config: dict) -> list[str]:
    """Cross-section consistency; returns human-readable problems naming the field."""
    cap = config.get("max_planned_runs", MAX_PLANNED_RUNS)
    if planned_jobs(config) > cap:  # first: every later check would walk the whole grid
        return [f"field 'max_planned_runs': the config plans {planned_jobs(config):,} evaluation and finetuning "
                f"runs, more than {cap:,}; shrink the grid or raise max_planned_runs"]
    out = [p for p in [backend_problem(config)] if p]
    series = {s["name"]: s for s in config["series"]}
    if len(series) != len(config["series"]):
        out.append("field 'series': two series share a name")
    names = [t["name"] for t in config["tasks"]]
    if len(set(names)) != len(names):
        out.append("field 'tasks': two tasks share a name")
    tasks = {t["name"]: t for t in config["tasks"]}
    for i, t in enumerate(config["tasks"]):
        if t["source"] in ("toy", "files"):
            for key in ("generator", "template") if t["source"] == "toy" else ("files", "template"):
                if key not in t:
                    out.append(f"field 'tasks.{i}.{key}': required for a {t['source']} task")
        for split, path in t.get("files", {}).items():
            if not os.path.isfile(resolve(path)):
                out.append(f"field 'tasks.{i}.files.{split}': no file {path}")
                continue
            try:  # a malformed record fails here, before any job
                tasks_mod.validate_records(resolve(path), "multiple_choice" in t.get("template", ""))
            except ValueError as e:
                out.append(f"field 'tasks.{i}.files.{split}': {e}")
        tpl = os.path.join(REPO, "tasks", t.get("template", ""))
        if "template" in t and not os.path.isfile(tpl):
            out.append(f"field 'tasks.{i}.template': no file {tpl}")
        if t.get("dataset") and t["source"] != "lm_eval":
            out.append(f"field 'tasks.{i}.dataset': only for lm_eval tasks (a {t['source']} task reads its own files)")
        if t["source"] == "lm_eval" and t.get("include_path") and not os.path.isdir(resolve(t["include_path"])):
            out.append(f"field 'tasks.{i}.include_path': no folder {t['include_path']}")
        elif t["source"] == "lm_eval" and not t.get("include_path") and t["name"] not in tasks_mod.lm_eval_task_names():
            out.append(f"field 'tasks.{i}.name': lm-eval has no task or group {t['name']!r}")
    for s in config["series"]:
        for size, spec in s["sizes"].items():
            where = f"series.{s['name']}.sizes.{size}"
            if s["source"] == "hf" and "repo" not in spec:
                out.append(f"field '{where}.repo': required for an hf series")
            for key in ("repo", "revision"):
                if key in spec:
                    bad = template_problem(spec[key])
                    if bad:
                        out.append(f"field '{where}.{key}': {bad}")
            if s["source"] == "toy":
                if "model" not in spec:
                    out.append(f"field '{where}.model': required for a toy series")
                else:
                    m = spec["model"]
                    if m.get("n_embd", 64) % m.get("n_head", 4):
                        out.append(f"field '{where}.model.n_embd': {m.get('n_embd', 64)} is not a multiple of "
                                   f"n_head = {m.get('n_head', 4)}")
                last = config.get("toy", {}).get("train", {}).get("steps", 850)
                bad = [x for x in spec["steps"] if x > last]
                if bad:
                    out.append(f"field '{where}.steps': {_few(bad)} exceed toy.train.steps = {last}")
                every = config.get("toy", {}).get("train", {}).get("save_every", 50)
                unsaved = [x for x in spec["steps"] if x % every]
                if unsaved:  # pretraining saves only every save_every steps: these would never exist
                    out.append(f"field '{where}.steps': {_few(unsaved)} are not multiples of "
                               f"toy.train.save_every = {every}")
    corpus = config.get("toy", {}).get("corpus", {})
    for i, t in enumerate(config["tasks"]):
        if t.get("generator") == "rule_quiz" and not corpus.get("quiz_docs"):
            out.append(f"field 'tasks.{i}.generator': rule_quiz needs quiz documents (toy.corpus.quiz_docs > 0) "
                       f"for its marker to be in the vocabulary")
    if any(s["source"] == "toy" for s in config["series"]):
        if corpus.get("n_words", 48) % corpus.get("successors", 6):
            out.append(f"field 'toy.corpus.n_words': {corpus.get('n_words', 48)} is not a multiple of "
                       f"successors = {corpus.get('successors', 6)} (every class has the same number of words)")
        if corpus.get("class_docs", 0) and not corpus.get("doc_len", 12):
            out.append("field 'toy.corpus.class_docs': needs documents (doc_len > 0); "
                       "doc_len = 0 is one unbroken walk")
    ft = config.get("finetune")
    if ft:
        for t in ft["tasks"]:
            if t not in tasks:
                out.append(f"field 'finetune.tasks': unknown task {t!r} (tasks: {sorted(tasks)})")
            elif tasks[t]["source"] != "lm_eval" and max(ft["data_amounts"]) > tasks[t].get("n_train_pool", 2048):
                out.append(f"field 'finetune.data_amounts': {max(ft['data_amounts'])} exceeds "
                           f"tasks.{t}.n_train_pool = {tasks[t].get('n_train_pool', 2048)}")
        for name, r in plan.recipes(config).items():
            if r.get("min_steps", 1) > r.get("max_steps", 10**7):
                out.append(f"field 'finetune.methods.{name}.min_steps': {r['min_steps']} exceeds max_steps = "
                           f"{r['max_steps']}")
        fm = (config.get("fit") or {}).get("method")
        if fm and fm not in plan.recipes(config):
            out.append(f"field 'fit.method': unknown recipe {fm!r} (finetune recipes: {sorted(plan.recipes(config))})")
        cmp = ft.get("compare")
        if cmp and cmp["data_amount"] not in ft["data_amounts"]:
            out.append(f"field 'finetune.compare.data_amount': {cmp['data_amount']} is not one of finetune.data_amounts")
        for t in (cmp or {}).get("tasks") or []:
            if t not in ft["tasks"]:
                out.append(f"field 'finetune.compare.tasks': {t!r} is not one of finetune.tasks {ft['tasks']}")
        if ft["series"] not in series:
            out.append(f"field 'finetune.series': unknown series {ft['series']!r}")
        elif ft["size"] not in series[ft["series"]]["sizes"]:
            out.append(f"field 'finetune.size': unknown size {ft['size']!r} of series {ft['series']!r}")
        else:
            have = set(series[ft["series"]]["sizes"][ft["size"]]["steps"])
            missing = [x for x in ft["steps"] if x not in have]
            if missing:
                out.append(f"field 'finetune.steps': {_few(missing)} are not checkpoints of "
                           f"series.{ft['series']}.sizes.{ft['size']}.steps")
    pu = config.get("passuntil")
    if pu:
        if pu["task"] not in tasks:
            out.append(f"field 'passuntil.task': unknown task {pu['task']!r}")
        elif tasks[pu["task"]].get("generator", "rule_gen") == "rule_mc":
            out.append("field 'passuntil.task': PassUntil needs a generation task scored by exact match")
        if pu["series"] not in series or pu["size"] not in series[pu["series"]]["sizes"]:
            out.append(f"field 'passuntil.size': no size {pu['size']!r} in series {pu['series']!r}")
        elif pu.get("steps"):
            have = set(series[pu["series"]]["sizes"][pu["size"]]["steps"])
            if set(pu["steps"]) - have:
                out.append(f"field 'passuntil.steps': {_few(sorted(set(pu['steps']) - have))} are not checkpoints "
                           f"of that size")
        if pu.get("estimator", "unbiased") == "unbiased" and pu.get("r", 2) < 2:
            out.append("field 'passuntil.r': the unbiased estimator needs r >= 2")
    for key, other in (("quality", "baseline"), ("future", "longer")):  # case studies against another run
        q = config.get(key)
        if not q:
            continue
        if q["task"] not in ((config.get("finetune") or {}).get("tasks") or []):
            out.append(f"field '{key}.task': {q['task']!r} is not a fitted task (finetune.tasks)")
        if q[other] == config["name"]:
            out.append(f"field '{key}.{other}': names this run itself; give the other run's config name")
        sizes = {z for s in config["series"] for z in s["sizes"]}
        if q.get("size") is not None and q["size"] not in sizes:
            out.append(f"field '{key}.size': no size {q['size']!r} in any series")
    return out


MAX_NODES = 200_000


def size_problem(config, limit=MAX_NODES) -> str | None:
    """A config that expands (YAML aliases count at every use) to more than `limit` values
    is refused before anything walks it: an alias bomb would exhaust memory in validation."""
    n, stack = 0, [config]
    while stack:
        x = stack.pop()
        n += 1
        if n > limit:
            return (f"the config expands to more than {limit:,} values (YAML aliases count at every use); "
                    f"refusing to read further")
        if isinstance(x, dict):
            stack.extend(x.values())
            stack.extend(x.keys())
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
    return None


def template_problem(template: str) -> str | None:
    """A repo/revision template may use '{step}' and nothing else (no attributes, indices or
    other names): one line saying what is wrong, or None."""
    import string

    try:
        fields = [f for _, f, spec, conv in string.Formatter().parse(template) if f is not None]
        template.format(step=0)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError) as e:
        return f"not a valid template ({type(e).__name__}: {e}); use '{{step}}' for the step"
    bad = [f for f in fields if f != "step"]
    if bad:
        return f"unknown placeholder(s) {', '.join('{' + f + '}' for f in bad)}; only '{{step}}' is replaced"
    return None


def planned_jobs(config: dict) -> int:
    """How many runs the config plans (checkpoints, plus finetuning runs on the grid), cheaply:
    a cap on it refuses a config that would hang DAG building or fill the disk."""
    n_ckpts = sum(len(spec["steps"]) for s in config["series"] for spec in s["sizes"].values())
    ft = config.get("finetune") or {}
    n_ft = 0
    if ft:  # counted, not built: a huge grid must not be allocated to be refused
        per = len(ft.get("tasks", [])) * len(ft.get("methods") or {"lora": 0}) * len(ft.get("data_amounts", [])) \
            * ft.get("subset_samples", 2)
        cmp = ft.get("compare") or {}
        per += len(cmp.get("tasks") or ft.get("tasks", [])[:1]) * len(cmp.get("methods", {}))
        n_ft = len(ft.get("steps", [])) * per
    return n_ckpts * max(1, len(config["tasks"])) + n_ft
