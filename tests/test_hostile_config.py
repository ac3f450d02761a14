"""Hostile configs: each is refused at load time in one line naming the field, and nothing is
written outside results/<name>/ (or at all) before the refusal."""
import json
import os
import subprocess
import sys
import time

import pytest
import yaml

from conftest import REPO, SNAKEMAKE, TEST_CONFIG, snakemake
from emergence import config as cfg


def base():
    return yaml.safe_load(open(TEST_CONFIG))


def hf(c):
    """The test config with its first series read from a hub-style template instead of trained."""
    s = c["series"][0]
    s["source"] = "hf"
    for spec in s["sizes"].values():
        spec.pop("model", None)
        spec["repo"] = "org/model-{step}"
    return c


def lure_task(corpus=None, **opts):
    """The test config on a 64-word lure language, its generation task asking lure_gen."""
    def f():
        c = base()
        c["toy"]["corpus"] = {"kind": "lure", "n_words": 64, **(corpus or {})}
        c["tasks"] = [t for t in c["tasks"] if t["name"] == "rule_gen"]
        c["tasks"][0].update(generator="lure_gen", options={"lo": 16, "hi": 48, "span": 2, **opts})
        c["tasks"][0]["n_train_pool"] = 32
        c["finetune"]["tasks"] = ["rule_gen"]
        return c
    return f


def put(path, value, make=base):
    def f():
        c = make()
        node = c
        for k in path[:-1]:
            node = node.setdefault(k, {}) if isinstance(node, dict) else node[k]
        node[path[-1]] = value
        return c
    return f


def rename_size(new):
    def f():
        c = base()
        sizes = c["series"][0]["sizes"]
        sizes[new] = sizes.pop("s")
        return c
    return f


def add_recipe(name, recipe, where=("finetune", "methods")):
    def f():
        c = base()
        node = c
        for k in where:
            node = node.setdefault(k, {})
        node[name] = recipe
        return c
    return f


def recipe(**kw):
    return add_recipe("lora", {"kind": "lora", **kw})


CASES = {
    # names that would plan paths outside results/<name>/
    "name ..": (put(("name",), ".."), "name"),
    "name .": (put(("name",), "."), "name"),
    "name ../x": (put(("name",), "../x"), "name"),
    "name a/b": (put(("name",), "a/b"), "name"),
    "name hidden": (put(("name",), ".hidden"), "name"),
    "name too long": (put(("name",), "a" * 300), "name"),
    "series name ..": (put(("series", 0, "name"), ".."), "series.0.name"),
    "series name .": (put(("series", 0, "name"), "."), "series.0.name"),
    "series name with slash": (put(("series", 0, "name"), "a/b"), "series.0.name"),
    "size ..": (rename_size(".."), "series.0.sizes"),
    "size .": (rename_size("."), "series.0.sizes"),
    "size with slash": (rename_size("x/y"), "series.0.sizes"),
    "task name ..": (put(("tasks", 0, "name"), ".."), "tasks.0.name"),
    "task name with slash": (put(("tasks", 0, "name"), "x/y"), "tasks.0.name"),
    "recipe name ..": (add_recipe("..", {"kind": "lora"}), "finetune.methods"),
    "recipe name with slash": (add_recipe("a/b", {"kind": "lora"}), "finetune.methods"),
    "compare recipe name ..": (add_recipe("..", {"kind": "full"}, ("finetune", "compare", "methods")),
                               "finetune.compare.methods"),
    "compare on a task not finetuned": (put(("finetune", "compare", "tasks"), ["rule_gen"]), "finetune.compare.tasks"),
    "compare tasks empty": (put(("finetune", "compare", "tasks"), []), "finetune.compare.tasks"),
    # recipes: typed and closed
    "recipe learning_rate": (recipe(learning_rate=0.1), "learning_rate"),
    "recipe lora rank": (recipe(lora={"rank": 8}), "rank"),
    "recipe lr text": (recipe(lr="fast"), "finetune.methods.lora.lr"),
    "recipe lr 0": (recipe(lr=0), "finetune.methods.lora.lr"),
    "recipe epochs -1": (recipe(epochs=-1), "finetune.methods.lora.epochs"),
    "recipe batch 0": (recipe(batch_size=0), "finetune.methods.lora.batch_size"),
    "recipe lora r 0": (recipe(lora={"r": 0}), "finetune.methods.lora.lora.r"),
    "recipe dropout 2": (recipe(lora={"dropout": 2}), "finetune.methods.lora.lora.dropout"),
    "recipe min > max steps": (recipe(min_steps=50, max_steps=10), "finetune.methods.lora.min_steps"),
    "recipe checkpointing text": (recipe(gradient_checkpointing="yes"),
                                  "finetune.methods.lora.gradient_checkpointing"),
    "recipe kind unknown": (recipe(kind="ia3"), "finetune.methods.lora.kind"),
    "recipe prefix tokens zero": (recipe(kind="prefix", prefix_tokens=0), "finetune.methods.lora.prefix_tokens"),
    "recipe old method key": (add_recipe("lora", {"method": "lora"}), "finetune.methods.lora"),
    "recipe sets the prompt": (recipe(target_delimiter=" "), "target_delimiter"),
    "recipe sets N": (recipe(num_fewshot=5), "num_fewshot"),
    # pretraining schedules that cannot do what they say
    "warm-up past the last step": (put(("toy", "train", "warmup"), 1000), "toy.train.warmup"),
    "lr drop past the last step": (put(("toy", "train", "lr_drop"), {"step": 1000, "factor": 0.5}),
                                   "toy.train.lr_drop.step"),
    "lr drop at the last step": (put(("toy", "train", "lr_drop"), {"step": 60, "factor": 0.5}),
                                 "toy.train.lr_drop.step"),  # test.yaml trains 60 steps: 0..59
    "lr decay without t0": (put(("toy", "train", "lr_decay"), {"power": 1.0}), "toy.train.lr_decay"),
    "lr decay t0 zero": (put(("toy", "train", "lr_decay"), {"t0": 0}), "toy.train.lr_decay.t0"),
    # seeds torch and numpy take
    "seed -1": (put(("seed",), -1), "seed"),
    "seed 2^80": (put(("seed",), 2**80), "seed"),
    "seed text": (put(("seed",), "zero"), "seed"),
    "corpus seed -1": (put(("toy", "corpus", "seed"), -1), "toy.corpus.seed"),
    # model shapes
    "n_embd not a multiple of n_head": (put(("series", 0, "sizes", "s", "model", "n_embd"), 15),
                                        "series.toy.sizes.s.model.n_embd"),
    "model unknown key": (put(("series", 0, "sizes", "s", "model", "n_embed"), 16), "series.0.sizes.s.model"),
    "model arch rnn": (put(("series", 0, "sizes", "s", "model", "arch"), "rnn"), "series.0.sizes.s.model.arch"),
    "model 0 layers": (put(("series", 0, "sizes", "s", "model", "n_layer"), 0), "series.0.sizes.s.model.n_layer"),
    # duplicated steps
    "duplicate series steps": (put(("series", 0, "sizes", "s", "steps"), [20, 20]), "series.0.sizes.s.steps"),
    "duplicate finetune steps": (put(("finetune", "steps"), [20, 20]), "finetune.steps"),
    "duplicate passuntil steps": (put(("passuntil", "steps"), [20, 20]), "passuntil.steps"),
    "duplicate D": (put(("finetune", "data_amounts"), [2, 2]), "finetune.data_amounts"),
    # sizes that would exhaust memory or hang planning
    "subset_samples 10^9": (put(("finetune", "subset_samples"), 10**9), "finetune.subset_samples"),
    "grid over the cap": (put(("max_planned_runs",), 5), "max_planned_runs"),
    "million checkpoints": (put(("series", 0, "sizes", "s", "steps"), list(range(1, 1_000_001))), "max_planned_runs"),
    # hub templates
    "repo typo {stp}": (put(("series", 0, "sizes", "s", "repo"), "org/m-{stp}", lambda: hf(base())),
                        "series.toy.sizes.s.repo"),
    "revision attribute": (put(("series", 0, "sizes", "s", "revision"), "{step.__class__}", lambda: hf(base())),
                           "series.toy.sizes.s.revision"),
    "repo positional": (put(("series", 0, "sizes", "s", "repo"), "org/m-{0}", lambda: hf(base())),
                        "series.toy.sizes.s.repo"),
    "repo unbalanced": (put(("series", 0, "sizes", "s", "repo"), "org/m-{step", lambda: hf(base())),
                        "series.toy.sizes.s.repo"),
    "revision index": (put(("series", 0, "sizes", "s", "revision"), "{step[0]}", lambda: hf(base())),
                       "series.toy.sizes.s.revision"),
    # the fit's settings
    "fit walkers 2": (put(("fit", "mcmc", "nwalkers"), 2), "fit.mcmc.nwalkers"),
    "fit steps 0": (put(("fit", "mcmc", "nsteps"), 0), "fit.mcmc.nsteps"),
    "fit rhat 0.9": (put(("fit", "mcmc", "max_rhat"), 0.9), "fit.mcmc.max_rhat"),
    "fit prior alpha 0": (put(("fit", "priors", "alpha"), [0, 4]), "fit.priors.alpha"),
    "fit prior unknown": (put(("fit", "priors", "C"), [0, 4]), "fit.priors"),
    "fit selection z -1": (put(("fit", "selection", "z"), -1), "fit.selection.z"),
    "fit width 0": (put(("fit", "max_interval_width"), 0), "fit.max_interval_width"),
    "fit old bounds key": (put(("fit", "bounds"), {"C": [0, 1]}), "fit"),
    "fit bootstrap huge": (put(("fit", "bootstrap", "n"), 10**9), "fit.bootstrap.n"),
    "fit method unknown": (put(("fit", "method"), "ia3"), "fit.method"),
    # the data-quality case study
    "quality task not fitted": (put(("quality",), {"baseline": "toy", "task": "rule_gen"}), "quality.task"),
    "quality baseline itself": (put(("quality",), {"baseline": "test", "task": "rule"}), "quality.baseline"),
    "quality unknown key": (put(("quality",), {"baseline": "toy", "task": "rule", "with": "x"}), "quality"),
    # tasks
    "task shots -1": (put(("tasks", 0, "num_fewshot"), -1), "tasks.0.num_fewshot"),
    "task chance 2": (put(("tasks", 0, "chance"), 2), "tasks.0.chance"),
    "task n_test 0": (put(("tasks", 0, "n_test"), 0), "tasks.0.n_test"),
    "task source hub": (put(("tasks", 0, "source"), "hub"), "tasks.0.source"),
    "evaluate batch 0": (put(("evaluate", "batch_size"), 0), "evaluate.batch_size"),
    # a toy checkpoint that pretraining never saves (not a multiple of save_every)
    "toy step not saved": (put(("toy", "train", "save_every"), 7), "toy.train.save_every"),
    # found by a hostile-config review (2026-12-01): each of these passed the dry-run and
    # failed in a job, or silently did something else
    "steps as floats": (put(("series", 0, "sizes", "s", "steps"), [20.0, 40.0]), "series.0.sizes.s.steps.0"),
    "D as floats": (put(("finetune", "data_amounts"), [2.0, 8.0]), "finetune.data_amounts.0"),
    "size key a number": (rename_size(1), "series.0.sizes"),
    "name with a newline": (put(("name",), "test\n"), "name"),
    "task name with a newline": (put(("tasks", 1, "name"), "rule_gen\n"), "tasks.1.name"),
    "shots beyond the pool": (put(("tasks", 0, "num_fewshot"), 9), "tasks.0.num_fewshot"),
    "passuntil instances beyond n_test": (put(("passuntil", "instances"), 21), "passuntil.instances"),
    "passuntil on multiple choice": (put(("passuntil", "task"), "rule"), "passuntil.task"),
    "passuntil steps empty": (put(("passuntil", "steps"), []), "passuntil.steps"),
    "mc generator, generation template": (put(("tasks", 0, "template"), "jsonl_generate.yaml"), "tasks.0.template"),
    "template outside tasks/": (put(("tasks", 0, "template"), "../config.yaml"), "tasks.0.template"),
    "metric not in the template": (put(("tasks", 0, "metric"), "accuracy"), "tasks.0.metric"),
    "fit metric no task records": (put(("fit", "metric"), "acc_norm"), "fit.metric"),
    "generator option typo": (put(("tasks", 0, "options"), {"contxt": 4}), "tasks.0.options"),
    "generator context negative": (put(("tasks", 1, "options", "context"), -3), "tasks.1.options.context"),
    "span on multiple choice": (put(("tasks", 0, "options", "span"), 2), "tasks.0.options.span"),
    "held-out corpus missing": (put(("pretrain_loss", "corpus"), "data/heldout.jsonl"), "pretrain_loss.corpus"),
    "device gpu": (put(("evaluate", "device"), "gpu"), "evaluate.device"),
    "gpt2 positions too few": (put(("series", 0, "sizes", "s", "model"), {"n_layer": 1, "n_embd": 16, "n_head": 2,
                                                                          "n_positions": 16}),  # gpt2: the default
                               "series.toy.sizes.s.model.n_positions"),
    "lora target_modules empty": (recipe(lora={"target_modules": []}), "finetune.methods.lora.lora.target_modules"),
    "hf repo without {step}": (put(("series", 0, "sizes", "s", "repo"), "org/model", lambda: hf(base())),
                               "series.toy.sizes.s.repo"),
    "hf local repo missing": (put(("series", 0, "sizes", "s", "repo"), "/nonexistent/ckpt-{step}", lambda: hf(base())),
                              "series.toy.sizes.s.repo"),
    # a third review (2026-12-01, tenth session): NaN passes every minimum and maximum, inf
    # every minimum, and numbers without a ceiling failed only inside a job
    "chance nan": (put(("tasks", 0, "chance"), float("nan")), "tasks.0.chance"),
    "lora lr nan": (recipe(lr=float("nan")), "finetune.methods.lora.lr"),
    "toy zipf inf": (put(("toy", "corpus", "zipf"), float("inf")), "toy.corpus.zipf"),
    "n_test huge": (put(("tasks", 0, "n_test"), 10**30), "tasks.0.n_test"),
    "toy batch huge": (put(("toy", "train", "batch_size"), 10**12), "toy.train.batch_size"),
    # a toy multiple-choice task's chance is 1/successors: 0.9 moved the floor the fit selects by
    "toy mc chance wrong": (put(("tasks", 0, "chance"), 0.9), "tasks.0.chance"),
    # the lure language: each generator asks in its own language, and a rank band needs words
    # of both parities (test words odd groups, training words even ones) or sampling never ends
    "lure_gen on a walk corpus": (put(("tasks", 1, "generator"), "lure_gen"), "tasks.1.generator"),
    "rule_mc on a lure corpus": (put(("toy", "corpus"), {"kind": "lure", "n_words": 64}), "tasks.0.generator"),
    "lure corpus kind typo": (put(("toy", "corpus", "kind"), "lures"), "toy.corpus.kind"),
    "lure band in one group": (lure_task(lo=8, hi=12), "tasks.0.options"),
    "lure band beyond the words": (lure_task(lo=32, hi=96), "tasks.0.options"),
    "lure and rule over 1": (lure_task(corpus={"rule_prob": 0.8, "lure": 0.3}), "toy.corpus.lure"),
    "lo on a walk task": (put(("tasks", 1, "options", "lo"), 4), "tasks.1.options"),
    "pool_overlap on a walk task": (put(("tasks", 1, "options", "pool_overlap"), True), "tasks.1.options"),
    "pool_overlap not a bool": (lure_task(pool_overlap="yes"), "tasks.0.options.pool_overlap"),
    # a key only the other language reads would be silently ignored
    "lure key on a walk corpus": (put(("toy", "corpus", "lures"), 4), "toy.corpus.lures"),
    "frequency tiers on a walk corpus": (put(("toy", "corpus", "tier"), 128), "toy.corpus.tier"),
    # a decay of 1 would save the initial weights at every step
    "weight average that never moves": (put(("toy", "train", "ema"), 1.0), "toy.train.ema"),
    "clean documents on a walk corpus": (put(("toy", "corpus", "clean_docs"), 0.05), "toy.corpus.clean_docs"),
    "marker without clean documents": (lure_task(marker=True), "tasks.0.options.marker"),
    "marker on a walk task": (put(("tasks", 1, "options", "marker"), True), "tasks.1.options"),
    "marker beyond the shares": (lure_task(corpus={"clean_docs": [0.01, 0.02]}, marker=3), "tasks.0.options.marker"),
    "marker of a zero share": (lure_task(corpus={"clean_docs": [0.01, 0.0]}, marker=2), "tasks.0.options.marker"),
    "clean shares over 1": (lure_task(corpus={"clean_docs": [0.6, 0.5]}, marker=1), "toy.corpus.clean_docs"),
    "clean shares empty": (lure_task(corpus={"clean_docs": []}), "toy.corpus.clean_docs"),
    "negative marker": (lure_task(corpus={"clean_docs": 0.01}, marker=-1), "tasks.0.options.marker"),
    "paired markers and lures differ": (lure_task(corpus={"clean_docs": [0.01, 0.02], "lures": 3, "paired": True},
                                                  marker=1), "toy.corpus.paired"),
    "lure bands on a walk corpus": (put(("toy", "corpus", "lure_band"), 128), "toy.corpus.lure_band"),
    "lure_bands on a walk corpus": (put(("toy", "corpus", "lure_bands"), [[0, 8, 0.3]]), "toy.corpus.lure_bands"),
    "zipf_head on a walk corpus": (put(("toy", "corpus", "zipf_head"), 16), "toy.corpus.zipf_head"),
    "lure_bands row of two": (lure_task(corpus={"lure_bands": [[0, 8]]}), "toy.corpus.lure_bands.0"),
    "lure_bands beyond the words": (lure_task(corpus={"lure_bands": [[32, 96, 0.3]]}), "toy.corpus.lure_bands.0"),
    "lure_bands fractional rank": (lure_task(corpus={"lure_bands": [[0.5, 8, 0.3]]}), "toy.corpus.lure_bands.0"),
    "lure_bands over 1": (lure_task(corpus={"lure_bands": [[0, 8, 0.3], [8, 16, 0.5]]}), "toy.corpus.lure_bands.1"),
    "lure_bands overlap": (lure_task(corpus={"lure_bands": [[0, 16, 0.3], [8, 24, 0.2]]}), "toy.corpus.lure_bands.1"),
    "walk key on a lure corpus": (lure_task(corpus={"class_docs": 0.2}), "toy.corpus.class_docs"),
    "successors on a lure corpus": (lure_task(corpus={"successors": 3}), "toy.corpus.successors"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_config_is_refused_naming_the_field(case):
    make, field = CASES[case]
    c = make()
    t = time.time()
    with pytest.raises(cfg.ConfigError) as e:
        cfg.validate(c, "hostile.yaml")
    msg = str(e.value)
    assert "hostile.yaml" in msg and field in msg, msg
    assert "\n" not in msg and time.time() - t < 30


def test_a_lure_language_config_is_accepted():
    cfg.validate(lure_task()(), "lure.yaml")
    cfg.validate(lure_task(corpus={"clean_docs": 0.05, "tier": 16}, marker=True)(), "lure.yaml")
    cfg.validate(lure_task(corpus={"clean_docs": [0.002, 0.001]}, marker=2)(), "lure.yaml")
    cfg.validate(lure_task(corpus={"clean_docs": [0.002, 0.001], "lures": 2, "lure_band": 32, "paired": True},
                           marker=2)(), "lure.yaml")
    cfg.validate(lure_task(corpus={"tier": 64, "lure_bands": [[16, 32, 0.3], [32, 48, 0.36]]})(), "lure.yaml")


def test_a_type_error_names_the_expected_type_first():
    # the message used to lead with the value and was cut at 200 characters before the type
    c = base()
    c["tasks"] = {t["name"]: t for t in c["tasks"]}
    with pytest.raises(cfg.ConfigError, match=r"field 'tasks': expected array, got mapping"):
        cfg.validate(c, "hostile.yaml")


@pytest.mark.parametrize("repo", ["org/m-{step:07d}", "org/m"])
def test_valid_hub_templates_are_accepted(repo):
    # '{step:07d}' names the step too; a fixed repo may take the step from its revision
    c = hf(base())
    for spec in c["series"][0]["sizes"].values():
        spec["repo"] = repo
        if "{" not in repo:
            spec["revision"] = "iter_{step:06d}"
    cfg.validate(c, "valid.yaml")


def test_merge_keys_are_not_repeats(tmp_path):
    # `<<: *x` then an override of one of x's keys is YAML's way to reuse a block
    p = tmp_path / "merged.yaml"
    p.write_text("a: &x {k: 1}\nb: {<<: *x, k: 2}\nd: {<<: *x, <<: *x}\n")
    assert cfg.file_problem([p]) is None
    p.write_text("a: &x {k: 1}\nb: {<<: *x, k: 2}\nc: {<<: *x, j: 1, j: 2}\n")
    assert "key 'j' appears twice" in cfg.file_problem([p])


def test_a_repeated_yaml_key_is_refused(tmp_path):
    # PyYAML keeps the last of two equal keys: a second finetune: block silently replaced the first
    text = open(TEST_CONFIG).read() + "\nfinetune:\n  tasks: [rule]\n"
    p = tmp_path / "twice.yaml"
    p.write_text(text)
    assert "key 'finetune' appears twice" in cfg.file_problem([p])
    assert cfg.file_problem([TEST_CONFIG]) is None
    r = snakemake("-n", "--configfile", str(p), "--cores", "1", workdir=tmp_path, check=False)
    assert r.returncode != 0 and "key 'finetune' appears twice" in r.stdout + r.stderr
    assert not (tmp_path / "results").exists()


def test_files_task_counts_against_its_own_files(tmp_path):
    rec = {"context": "a b", "target": "c"}
    p = tmp_path / "t.jsonl"
    p.write_text("\n".join(json.dumps(rec) for _ in range(5)) + "\n")
    c = base()
    c["tasks"].append({"name": "mine", "source": "files", "template": "jsonl_generate.yaml",
                       "files": {"test": str(p), "fewshot": str(p), "pool": str(p)}, "num_fewshot": 1,
                       "metric": "exact_match"})
    c["finetune"]["tasks"] = ["mine"]
    c["finetune"]["compare"]["tasks"] = ["mine"]
    with pytest.raises(cfg.ConfigError, match=r"finetune.data_amounts': 32 exceeds the 5 records of tasks.mine"):
        cfg.validate(c, "hostile.yaml")
    c["finetune"]["data_amounts"], c["finetune"]["compare"]["data_amount"] = [2, 4], 4
    c["passuntil"].update(task="mine", instances=6)
    with pytest.raises(cfg.ConfigError, match=r"passuntil.instances': 6 exceeds the 5 test instances"):
        cfg.validate(c, "hostile.yaml")


def test_task_file_field_types_are_checked(tmp_path):
    rec = {"context": "a b", "target": "c", "choices": [1, 2], "label": 0}
    p = tmp_path / "t.jsonl"
    for bad, word in ((dict(rec), "choices"), (dict(rec, choices=["x", "y"], label=True), "label"),
                      (dict(rec, choices=["x", "y"], context=3), "context")):
        p.write_text(json.dumps(bad) + "\n")
        c = base()
        c["tasks"].append({"name": "mine", "source": "files", "template": "jsonl_multiple_choice.yaml",
                           "files": {"test": str(p), "fewshot": str(p), "pool": str(p)}, "num_fewshot": 1,
                           "metric": "acc"})
        with pytest.raises(cfg.ConfigError) as e:
            cfg.validate(c, "hostile.yaml")
        assert "tasks.2.files" in str(e.value) and word in str(e.value)


def test_templates():
    assert cfg.template_problem("org/m-{step}") is None and cfg.template_problem("plain") is None
    for bad in ("{stp}", "{step.real}", "{step[0]}", "{}", "{0}", "{", "}"):
        assert cfg.template_problem(bad), bad


def test_alias_bomb_is_refused_before_validation():
    text = ("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
            "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
            "g: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n")
    t = time.time()
    assert "more than" in cfg.size_problem(yaml.safe_load(text))
    assert time.time() - t < 5 and cfg.size_problem(base()) is None


def _tree(root):
    return {os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs}


@pytest.mark.parametrize("name", ["..", ".", "../escape"])
def test_workflow_with_a_path_escaping_name_writes_nothing(tmp_path, name):
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "keep.txt").write_text("x")
    c = base()
    c["name"] = name
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(c))
    before = _tree(tmp_path)
    p = snakemake("--configfile", str(bad), "--cores", "1", workdir=work, check=False)
    assert p.returncode != 0 and "field 'name'" in p.stdout + p.stderr
    after = {f for f in _tree(tmp_path) if "/.snakemake/" not in f}
    assert after == before and not (work / "results").exists()


def test_planned_paths_stay_under_results_name(tmp_path):
    # every planned output of the shipped configs lies under results/<name>/
    for path in [os.path.join(REPO, "config.yaml"), TEST_CONFIG]:
        c = yaml.safe_load(open(path))
        p = snakemake("-n", "--quiet", "all", "--configfile", path, "--cores", "1", "--printshellcmds",
                      "--summary", workdir=tmp_path, check=False)
        out = [line.split("\t")[0] for line in p.stdout.splitlines()
               if "\t" in line and not line.startswith("output_file")]
        assert out, p.stderr[-2000:]
        root = os.path.realpath(tmp_path / "results" / c["name"])
        for f in out:
            assert os.path.realpath(os.path.join(tmp_path, f)).startswith(root + os.sep), f


def test_make_run_never_unlocks_a_live_run(tmp_path):
    """A second `make run` in a folder where Snakemake is still running stops with one line."""
    (tmp_path / "Snakefile").write_text('rule slow:\n    output: "results/x/done"\n    shell: "sleep 20; touch {output}"\n')
    live = subprocess.Popen([SNAKEMAKE, "--cores", "1", "-d", str(tmp_path)], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):  # wait until it holds its lock
            if list((tmp_path / ".snakemake" / "locks").glob("*")) if (tmp_path / ".snakemake" / "locks").exists() \
                    else False:
                break
            time.sleep(0.2)
        p = subprocess.run([sys.executable, "-m", "emergence.runlock", str(tmp_path), "--", "--cores", "1"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert p.returncode != 0 and "run is active" in p.stderr and str(live.pid) in p.stderr
        assert len(p.stderr.strip().splitlines()) == 1
        assert live.poll() is None  # the live run was left alone
    finally:
        live.kill()
        live.wait()
    # a run killed mid-way leaves its lock: the same command unlocks and resumes
    (tmp_path / "Snakefile").write_text('rule quick:\n    output: "results/x/done"\n    shell: "touch {output}"\n')
    p = subprocess.run([sys.executable, "-m", "emergence.runlock", str(tmp_path), "--", "--cores", "1"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    assert (tmp_path / "results" / "x" / "done").exists()


def test_vllm_backend_without_vllm_is_one_clear_line():
    import importlib.util

    if importlib.util.find_spec("vllm") is not None:
        pytest.skip("vllm is installed here: the backend is usable")
    c = base()
    c.setdefault("evaluate", {})["backend"] = "vllm"
    with pytest.raises(cfg.ConfigError) as e:
        cfg.validate(c, "gpu.yaml")
    msg = str(e.value)
    assert "evaluate.backend" in msg and "vllm is not installed" in msg and "\n" not in msg
