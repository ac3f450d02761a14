"""Experiment config: load-time checks. It derives nothing (the job plan is emergence.plan).

Snakemake validates the config against schemas/config.schema.yaml (types, unknown keys,
empty lists) and fills defaults; `size_problem` refuses YAML that expands past a limit before
that, and `check` cross-checks references between sections, so that a bad config fails
before any job runs in one line naming the field.
"""
from __future__ import annotations

import math
import os
import re

import yaml

from emergence import plan
from emergence.values import CONTINUOUS
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




def _claimant(configfiles) -> str:
    return os.path.abspath(str(configfiles[0])) if configfiles else os.path.abspath("config.yaml")


def results_owner_problem(out_dir: str, configfiles) -> str | None:
    """A problem if another config file already owns results/<name>/ (read only: a dry run,
    a lint or a report must not write)."""
    src, claim = _claimant(configfiles), os.path.join(out_dir, ".configfile")
    if os.path.exists(claim):
        owner = open(claim).read().strip()
        if owner != src and os.path.exists(owner):
            return (f"invalid config ({src}): field 'name': {os.path.basename(out_dir)!r} is already the name of "
                    f"{owner}, whose results are in {out_dir}; give this config another name")
    return None


def claim_results(out_dir: str, configfiles) -> None:
    """Record which config file owns results/<name>/ (when jobs are about to run)."""
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, ".configfile"), "w") as f:
        f.write(_claimant(configfiles) + "\n")


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

    bad = key_problem(config)  # before the schema: its name patterns cannot read a number
    if bad:
        raise ConfigError(f"{source}: {bad}")
    schema = load_schema()
    validator_cls = jsonschema.validators.validator_for(schema)

    def set_defaults(validator, properties, instance, schema):
        for prop, sub in properties.items():
            if isinstance(instance, dict) and "default" in sub and prop not in instance:
                instance[prop] = _copy(sub["default"])
        yield from validator_cls.VALIDATORS["properties"](validator, properties, instance, schema)

    # 30.0 is an integer to JSON Schema, but a step 30.0 names checkpoint 'step30.0' and a
    # subset of 32.0 examples cannot slice a list: whole numbers must be written as such
    checker = validator_cls.TYPE_CHECKER.redefine(
        "integer", lambda _, x: isinstance(x, int) and not isinstance(x, bool))
    cls = jsonschema.validators.extend(validator_cls, {"properties": set_defaults}, type_checker=checker)
    errors = sorted(cls(schema).iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        msg = e.message
        if e.validator == "type":  # the message leads with the value, which may be a whole section
            want = e.validator_value if isinstance(e.validator_value, list) else [e.validator_value]
            got = {dict: "mapping", list: "list", str: "text", type(None): "null"}.get(type(e.instance),
                                                                                       type(e.instance).__name__)
            msg = f"expected {' or '.join(map(str, want))}, got {got} {_short(e.instance)}"
        elif len(msg) >= 200:
            msg = msg[:200] + "..."
        raise ConfigError(f"{source}: field '{_path(e.absolute_path)}': {msg}")
    problems = check(config) if cross_checks else []
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))
    return config


def _short(x, n=60) -> str:
    r = repr(x)
    return r if len(r) <= n else r[:n] + "..."


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


NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")


def _read_template(path) -> dict:
    try:
        with open(path) as f:
            spec = yaml.safe_load(f)
    except yaml.YAMLError:
        return {}
    return spec if isinstance(spec, dict) else {}


def output_kind(template: dict) -> str | None:
    """'multiple_choice' or 'generate_until' (lm-eval's output_type), None if not said."""
    return template.get("output_type")


def _template_problems(i, t, template, records) -> list[str]:
    """A toy/files task against the template it includes: generator kind, metric, shots."""
    out, kind = [], output_kind(template)
    gen = t.get("generator")
    if gen and kind and (kind == "multiple_choice") != (gen in MC_GENERATORS):
        out.append(f"field 'tasks.{i}.template': generator {gen} writes "
                   f"{'multiple-choice' if gen in MC_GENERATORS else 'generation'} records, but {t['template']} is "
                   f"{kind}; use {'jsonl_multiple_choice.yaml' if gen in MC_GENERATORS else 'jsonl_generate.yaml'}")
    metrics = [m.get("metric") for m in template.get("metric_list") or [] if isinstance(m, dict)]
    if metrics and t["metric"] not in metrics:
        out.append(f"field 'tasks.{i}.metric': {t['metric']!r} is not a metric of {t['template']} ({', '.join(metrics)})")
    if "span" in t.get("options", {}) and gen not in ("rule_gen", "lure_gen"):
        out.append(f"field 'tasks.{i}.options.span': only rule_gen and lure_gen generate a span; "
                   f"{gen or 'a files task'} has none")
    pool = t.get("n_fewshot_pool", 64) if t["source"] == "toy" else records.get((t["name"], "fewshot"))
    if pool is not None and t["num_fewshot"] > pool:
        out.append(f"field 'tasks.{i}.num_fewshot': {t['num_fewshot']} demonstrations from a pool of {pool}")
    return out


MC_GENERATORS = ("rule_mc", "rule_quiz")


WALK_ONLY = ("successors", "doc_len", "doc_min", "class_docs", "quiz_docs", "quiz_gap", "top_prior", "rule")
LURE_ONLY = ("lure", "group", "doc_end", "lures", "tier", "clean_docs", "lure_band", "paired", "lure_bands",
             "zipf_head")


def _other_kind_keys(corpus) -> list[str]:
    """toy.corpus keys that only the other language reads: set, they would be silently ignored.
    The schema fills some walk keys with defaults, so for a lure corpus a walk key counts as
    set only where it differs from its default."""
    if corpus.get("kind", "walk") == "walk":
        return [k for k in LURE_ONLY if k in corpus]
    defaults = load_schema()["properties"]["toy"]["properties"]["corpus"]["properties"]
    return [k for k in WALK_ONLY if k in corpus and corpus[k] != defaults[k].get("default", object())]


def _lure_problems(tasks, corpus) -> list[str]:
    """Lure-language tasks against toy.corpus: each generator's language, and rank bands whose
    start words exist and include both test (odd) and training (even) groups; keys of the other
    language's are refused, not ignored."""
    out, lure = [], corpus.get("kind", "walk") == "lure"
    n, g = corpus.get("n_words", 48), corpus.get("group", 4)
    for k in _other_kind_keys(corpus):
        out.append(f"field 'toy.corpus.{k}': only the {'walk' if lure else 'lure'} language reads it, and "
                   f"toy.corpus.kind is {corpus.get('kind', 'walk')}")
    if isinstance(corpus.get("clean_docs"), list) and sum(corpus["clean_docs"]) > 1:
        out.append(f"field 'toy.corpus.clean_docs': the shares sum to {sum(corpus['clean_docs']):g}, "
                   "expected at most 1 (each is a share of all documents)")
    n_markers = len(corpus["clean_docs"]) if isinstance(corpus.get("clean_docs"), list) else int(bool(corpus.get("clean_docs")))
    if corpus.get("paired") and corpus.get("lures", 1) != n_markers:
        out.append(f"field 'toy.corpus.paired': marker k clears lure k, so toy.corpus.lures ({corpus.get('lures', 1)}) "
                   f"must equal the number of markers in toy.corpus.clean_docs ({n_markers})")
    if lure and corpus.get("rule_prob", 0.6) + corpus.get("lure", 0.25) > 1:
        out.append(f"field 'toy.corpus.lure': rule_prob + lure = {corpus.get('rule_prob', 0.6) + corpus.get('lure', 0.25):g}"
                   " exceeds 1 (they are probabilities of the next token)")
    out += _band_problems(corpus.get("lure_bands") or [], n, corpus.get("rule_prob", 0.6))
    for i, t in enumerate(tasks):
        gen = t.get("generator") if t["source"] == "toy" else None
        if gen and lure != (gen == "lure_gen"):
            out.append(f"field 'tasks.{i}.generator': {gen} needs toy.corpus.kind "
                       f"{'lure' if gen == 'lure_gen' else 'walk'}, but it is {corpus.get('kind', 'walk')}")
        opts = t.get("options", {})
        if gen == "lure_gen":
            lo, hi = opts.get("lo", 256), opts.get("hi", 384)
            if hi > n or (hi - 1) // g <= lo // g:  # [lo, hi) inside one group: one parity only
                out.append(f"field 'tasks.{i}.options': ranks [lo, hi) = [{lo}, {hi}) must lie within toy.corpus."
                           f"n_words = {n} and span two groups of toy.corpus.group = {g} ranks (test words come from "
                           "odd groups, demonstrations and the finetuning pool from even ones)")
            shares = corpus.get("clean_docs") or []
            shares = list(shares) if isinstance(shares, list) else [shares]
            k = int(opts.get("marker") or 0)
            if k and not any(shares):
                out.append(f"field 'tasks.{i}.options.marker': asks in the format of clean documents ('# w ...'), "
                           "but toy.corpus.clean_docs is 0, so pretraining never shows the marker")
            elif k > len(shares) or (k and not shares[k - 1]):
                out.append(f"field 'tasks.{i}.options.marker': asks after marker {k}, but toy.corpus.clean_docs "
                           f"gives {len(shares)} share(s) {shares}, so pretraining never shows that marker")
        elif gen and {"lo", "hi", "pool_overlap", "marker"} & set(opts):
            keys = sorted({"lo", "hi", "pool_overlap", "marker"} & set(opts))
            out.append(f"field 'tasks.{i}.options': {', '.join(keys)} belong to lure_gen; {gen} has none of them")
    return out


def _band_problems(bands, n_words, rule_prob) -> list[str]:
    """toy.corpus.lure_bands: [lo, hi, p] rows on existing ranks, apart (an overlap would leave
    the words in it to whichever row comes last), each p a probability beside the rule's."""
    out, taken = [], []
    for j, (lo, hi, p) in enumerate(bands):
        where = f"field 'toy.corpus.lure_bands.{j}'"
        if lo != int(lo) or hi != int(hi) or not 0 <= lo < hi <= n_words:
            out.append(f"{where}: ranks [lo, hi) = [{lo}, {hi}) must be integers with 0 <= lo < hi <= "
                       f"toy.corpus.n_words = {n_words}")
        if rule_prob + p > 1:
            out.append(f"{where}: rule_prob + p = {rule_prob + p:g} exceeds 1 (they are probabilities of the next token)")
        for lo2, hi2 in taken:
            if lo < hi2 and lo2 < hi:
                out.append(f"{where}: ranks [{lo}, {hi}) overlap an earlier row's [{lo2}, {hi2}); give each rank one lure")
        taken.append((lo, hi))
    return out


def _multiple_choice(t) -> bool:
    if t.get("generator"):
        return t["generator"] in MC_GENERATORS
    path = os.path.join(REPO, "tasks", t.get("template") or "")
    if t.get("template") and os.path.isfile(path):  # a missing one is reported under its task
        return output_kind(_read_template(path)) == "multiple_choice"
    return False  # an lm-eval task: its YAML is read only when the job runs


def _names(config):
    """(field, name) for every name that becomes part of a path."""
    yield "name", config["name"]
    for i, s in enumerate(config["series"]):
        yield f"series.{i}.name", s["name"]
        yield from ((f"series.{i}.sizes", z) for z in s["sizes"])
    yield from ((f"tasks.{i}.name", t["name"]) for i, t in enumerate(config["tasks"]))
    ft = config.get("finetune") or {}
    yield from (("finetune.methods", m) for m in ft.get("methods") or {})
    yield from (("finetune.compare.methods", m) for m in (ft.get("compare") or {}).get("methods") or {})
    yield from ((f"{k}.{o}", config[k][o]) for k, o in (("quality", "baseline"), ("future", "longer"))
                if isinstance(config.get(k), dict) and o in config[k])


def check(config: dict) -> list[str]:
    """Cross-section consistency; returns human-readable problems naming the field."""
    # the schema's patterns end in $, which also matches before a final newline ('toy\n')
    bad = [f"field '{f}': {n!r} is not a plain name (letters, digits, _ . -)" for f, n in _names(config)
           if not NAME.fullmatch(n)]
    if bad:
        return bad
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
    records = {}  # (task, split) -> record count of a files task
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
                records[t["name"], split] = len(tasks_mod.validate_records(resolve(path),
                                                                           "multiple_choice" in t.get("template", "")))
            except ValueError as e:
                out.append(f"field 'tasks.{i}.files.{split}': {e}")
        tpl = os.path.join(REPO, "tasks", t.get("template", ""))
        if "template" in t and not os.path.isfile(tpl):
            out.append(f"field 'tasks.{i}.template': no file {tpl}")
        elif "template" in t:
            out.extend(_template_problems(i, t, _read_template(tpl), records))
        n_choices = config.get("toy", {}).get("corpus", {}).get("successors", 6)
        if t["source"] == "toy" and t.get("generator") in ("rule_mc", "rule_quiz") and "chance" in t \
                and abs(t["chance"] - 1 / n_choices) > 1e-3:
            # a wrong floor moves the fit's pre-emergence selection and every figure's chance line
            out.append(f"field 'tasks.{i}.chance': {t['chance']}, but a {t['generator']} task chooses among "
                       f"toy.corpus.successors = {n_choices} words: chance is {1 / n_choices:.7g}")
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
            elif s["source"] == "hf" and spec["repo"].startswith(("/", "./", "../", "~")) and not template_problem(
                    spec["repo"]) and not os.path.isdir(os.path.expanduser(spec["repo"].format(step=spec["steps"][0]))):
                out.append(f"field '{where}.repo': no folder {spec['repo'].format(step=spec['steps'][0])} "
                           f"(a local path; a hub id has no leading / . or ~)")
            elif s["source"] == "hf" and len(spec["steps"]) > 1 and not any(
                    _names_step(spec.get(k, "")) for k in ("repo", "revision")):
                out.append(f"field '{where}.repo': {len(spec['steps'])} steps but neither repo nor revision has "
                           "'{step}': every checkpoint would be the same model")
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
                    # learned positions end at n_positions (rotary ones do not)
                    held = config.get("pretrain_loss") or {}
                    need = max(config.get("toy", {}).get("corpus", {}).get("seq_len", 96),
                               held.get("seq_len", 96) if held.get("corpus", "toy") != "toy" else 0)
                    if m.get("arch", "gpt2") == "gpt2" and m.get("n_positions", 256) < need:
                        out.append(f"field '{where}.model.n_positions': {m.get('n_positions', 256)}, but training "
                                   f"or scoring sequences are {need} tokens (toy.corpus.seq_len, pretrain_loss.seq_len)")
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
    held = (config.get("pretrain_loss") or {}).get("corpus", "toy")
    if isinstance(held, str) and held != "toy" and not os.path.isfile(resolve(held)):
        out.append(f"field 'pretrain_loss.corpus': no file {held} (expected 'toy', a .jsonl/.txt file of held-out "
                   "text, or a datasets spec)")
    corpus = config.get("toy", {}).get("corpus", {})
    for i, t in enumerate(config["tasks"]):
        if t.get("generator") == "rule_quiz" and not corpus.get("quiz_docs"):
            out.append(f"field 'tasks.{i}.generator': rule_quiz needs quiz documents (toy.corpus.quiz_docs > 0) "
                       f"for its marker to be in the vocabulary")
    out.extend(_lure_problems(config["tasks"], corpus))
    if any(s["source"] == "toy" for s in config["series"]):
        if corpus.get("kind", "walk") == "walk" and corpus.get("n_words", 48) % corpus.get("successors", 6):
            out.append(f"field 'toy.corpus.n_words': {corpus.get('n_words', 48)} is not a multiple of "
                       f"successors = {corpus.get('successors', 6)} (every class has the same number of words)")
        if corpus.get("class_docs", 0) and not corpus.get("doc_len", 12):
            out.append("field 'toy.corpus.class_docs': needs documents (doc_len > 0); "
                       "doc_len = 0 is one unbroken walk")
        train = config.get("toy", {}).get("train", {})
        steps = train.get("steps", 850)
        if train.get("warmup", 100) > steps:  # the learning rate would never reach toy.train.lr
            out.append(f"field 'toy.train.warmup': {train.get('warmup', 100)} warm-up steps exceed toy.train.steps = "
                       f"{steps} (the learning rate would never reach toy.train.lr)")
        if (train.get("lr_drop") or {}).get("step", 0) >= steps:  # it applies from that step on, and the
            # last step trained is steps - 1
            out.append(f"field 'toy.train.lr_drop.step': {train['lr_drop']['step']} is not before toy.train.steps = "
                       f"{steps} (the drop would never happen)")
    ft = config.get("finetune")
    if ft:
        for t in ft["tasks"]:
            if t not in tasks:
                out.append(f"field 'finetune.tasks': unknown task {t!r} (tasks: {sorted(tasks)})")
            elif tasks[t]["source"] == "toy" and max(ft["data_amounts"]) > tasks[t].get("n_train_pool", 2048):
                out.append(f"field 'finetune.data_amounts': {max(ft['data_amounts'])} exceeds "
                           f"tasks.{t}.n_train_pool = {tasks[t].get('n_train_pool', 2048)}")
            elif (t, "pool") in records and max(ft["data_amounts"]) > records[t, "pool"]:
                out.append(f"field 'finetune.data_amounts': {max(ft['data_amounts'])} exceeds the "
                           f"{records[t, 'pool']} records of tasks.{t}.files.pool")
        for name, r in plan.recipes(config).items():
            if r.get("min_steps", 1) > r.get("max_steps", 10**7):
                out.append(f"field 'finetune.methods.{name}.min_steps': {r['min_steps']} exceeds max_steps = "
                           f"{r['max_steps']}")
        metric = (config.get("fit") or {}).get("metric")
        for t in ft["tasks"] if metric else []:
            spec = tasks.get(t, {})
            tpl = _read_template(os.path.join(REPO, "tasks", spec["template"])) if spec.get("template") else {}
            have = [m.get("metric") for m in tpl.get("metric_list") or [] if isinstance(m, dict)]
            have += [CONTINUOUS] if output_kind(tpl) == "multiple_choice" else []  # the metric chain's
            if have and metric not in have:
                out.append(f"field 'fit.metric': task {t!r} records {', '.join(have)}, not {metric!r}")
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
        elif _multiple_choice(tasks[pu["task"]]):
            out.append(f"field 'passuntil.task': {pu['task']!r} is multiple choice; PassUntil samples answers, so it "
                       "needs a generation task scored by exact match")
        else:
            t = tasks[pu["task"]]
            n = t.get("n_test", 500) if t["source"] == "toy" else records.get((t["name"], "test"))
            if n is not None and pu.get("instances", 30) > n:
                out.append(f"field 'passuntil.instances': {pu.get('instances', 30)} exceeds the {n} test "
                           f"instances of task {pu['task']!r}")
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


class _StrictLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys; a repeated `finetune:` block or size would
    silently replace the first."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for k, _ in node.value:
            if k.tag == "tag:yaml.org,2002:merge":  # `<<: *base` merges; its keys may be overridden
                continue
            key = self.construct_object(k, deep=True)
            try:
                repeated = key in seen
            except TypeError:  # a list as a key: Snakemake's loader says so
                continue
            if repeated:
                raise ConfigError(f"key {key!r} appears twice in one mapping (lines {seen[key] + 1} and "
                                  f"{k.start_mark.line + 1}); keep one")
            seen[key] = k.start_mark.line
        return super().construct_mapping(node, deep)


def file_problem(paths) -> str | None:
    """A config file that PyYAML reads differently from what it says: a repeated key."""
    for path in map(str, paths):
        if not os.path.isfile(path):
            continue
        try:
            with open(path) as f:
                yaml.load(f, Loader=_StrictLoader)
        except ConfigError as e:
            return f"{path}: {e}"
        except yaml.YAMLError:
            continue  # Snakemake's own loader says so
    return None


def key_problem(config, where=()) -> str | None:
    """Every mapping key must be text: a size written `1:` is the number 1, which no field can
    name ('1' is not 1) and which cannot be sorted beside the others. And every number finite:
    YAML's .nan passes any schema minimum and maximum, and .inf any minimum."""
    if isinstance(config, float) and not math.isfinite(config):
        return f"field '{_path(where)}': {config} is not a finite number"
    if isinstance(config, dict):
        for k, v in config.items():
            if not isinstance(k, str):
                return f"field '{_path(where)}': key {k!r} is not text ({type(k).__name__}); quote it: '{k}'"
            bad = key_problem(v, (*where, k))
            if bad:
                return bad
    elif isinstance(config, list):
        for i, v in enumerate(config):
            bad = key_problem(v, (*where, i))
            if bad:
                return bad
    return None


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


def _names_step(template: str) -> bool:
    """Whether a repo/revision template has a '{step}' field ('{step:07d}' counts)."""
    import string

    try:
        return any(f == "step" for _, f, _, _ in string.Formatter().parse(template))
    except ValueError:
        return False


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
