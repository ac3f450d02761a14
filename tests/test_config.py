"""Config: the schema accepts every shipped config and rejects bad ones, naming the field."""
import copy
import glob
import os

import pytest
import yaml

from conftest import REPO, TEST_CONFIG, snakemake
from emergence import config as cfg
from emergence import plan

SHIPPED = [os.path.join(REPO, "config.yaml"), TEST_CONFIG, *glob.glob(os.path.join(REPO, "configs", "*.yaml"))]


def load(path=TEST_CONFIG):
    return yaml.safe_load(open(path))


@pytest.mark.parametrize("path", SHIPPED, ids=os.path.basename)
def test_shipped_configs_are_valid(path):
    cfg.validate(load(path), path)


def test_defaults_are_filled():
    c = load()
    del c["evaluate"]
    cfg.validate(c)
    assert c["evaluate"] == {"batch_size": 64, "device": "auto", "step_window": 0, "zero_shot": False}
    assert c["pretrain_loss"]["corpus"] == "toy"


def _set(c, path, value):
    *head, last = path
    for k in head:
        c = c[k]
    if value is DELETE:
        del c[last]
    else:
        c[last] = value


DELETE = object()
BAD = [
    ("unknown top-level key", ("bogus",), 1, "bogus"),
    ("unknown nested key", ("finetune", "bogus"), 1, "bogus"),
    ("wrong type", ("seed",), "zero", "seed"),
    ("empty task list", ("tasks",), [], "tasks"),
    ("empty D list", ("finetune", "data_amounts"), [], "finetune.data_amounts"),
    ("D <= 0", ("finetune", "data_amounts"), [0, 8], "finetune.data_amounts"),
    ("bad name", ("name",), "a b", "name"),
    ("missing name", ("name",), DELETE, "name"),
    ("unknown finetune task", ("finetune", "tasks"), ["nope"], "finetune.tasks"),
    ("unknown series", ("finetune", "series"), "nope", "finetune.series"),
    ("step not in the series", ("finetune", "steps"), [20, 50], "finetune.steps"),
    ("D larger than the pool", ("finetune", "data_amounts"), [2, 1000], "finetune.data_amounts"),
    ("missing template file", ("tasks", 0, "template"), "nope.yaml", "tasks.0.template"),
    ("unknown recipe kind", ("finetune", "methods", "lora", "kind"), "adapter", "finetune.methods.lora.kind"),
    ("unknown variant", ("fit", "variant"), "cubic", "fit.variant"),
]


@pytest.mark.parametrize("what,path,value,field", BAD, ids=[b[0] for b in BAD])
def test_bad_config_names_the_field(what, path, value, field):
    c = copy.deepcopy(load())
    _set(c, path, value)
    with pytest.raises(cfg.ConfigError) as e:
        cfg.validate(c, "my.yaml")
    assert "my.yaml" in str(e.value) and field in str(e.value)


def test_duplicate_task_names():
    c = load()
    c["tasks"].append(copy.deepcopy(c["tasks"][0]))
    with pytest.raises(cfg.ConfigError, match="two tasks share a name"):
        cfg.validate(c)


def test_workflow_refuses_bad_config_before_any_job(tmp_path):
    c = load()
    c["finetune"]["data_amounts"] = []
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(c))
    p = snakemake("--configfile", str(bad), "--cores", "1", workdir=tmp_path, check=False)
    out = p.stdout + p.stderr
    assert p.returncode != 0
    assert f"invalid config ({bad}): field 'finetune.data_amounts'" in out
    assert not (tmp_path / "results").exists()
    # one line: no traceback, no file-and-line wrapping (beside Snakemake's note of the profile)
    lines = [x for x in out.splitlines() if x.strip() and "workflow specific profile" not in x]
    assert len(lines) == 1, out


def test_checkpoint_ids_and_grid():
    c = cfg.validate(load())
    p = plan.Plan(c, "results/test")
    ids = list(p.ckpts)
    assert ids[:2] == ["toy-s-step20", "toy-s-step40"] and len(ids) == 5
    assert p.ft_ckpts == ["toy-m-step20", "toy-m-step40", "toy-m-step60"]
    grid = p.ft_grid
    assert len(grid) == 5 and {g["data_amount"] for g in grid} == {2, 8, 32}
    assert [g["method"] for g in grid] == ["lora"] * 3 + ["full", "prefix"]


def test_zero_shot_adds_a_0_shot_run_of_every_k_shot_task_on_every_checkpoint():
    c = cfg.validate(load())
    for zero in (False, True):
        c["evaluate"]["zero_shot"] = zero
        p = plan.Plan(c, "results/test")
        for job in p.jobs["evaluate"]:
            for ck in p.eval_ckpts(job):
                shots = sorted((r["task"], r["num_fewshot"]) for r in ck["runs"] if r["method"] == "fewshot")
                want = sorted((t, s["num_fewshot"]) for t, s in p.tasks.items())
                if zero:
                    want = sorted(want + [(t, 0) for t, s in p.tasks.items() if s["num_fewshot"] > 0])
                assert shots == want


@pytest.mark.parametrize("path", glob.glob(os.path.join(REPO, "configs", "*.yaml")), ids=os.path.basename)
def test_paper_configs_dry_run(path, tmp_path):
    p = snakemake("-n", "--configfile", path, "--cores", "1", "-q", workdir=tmp_path)
    assert p.returncode == 0


def test_per_checkpoint_jobs_are_step_windows_that_a_new_checkpoint_does_not_reshuffle():
    def ck(size, step):
        return {"ckpt": f"toy-{size}-step{step}", "series": "toy", "size": size, "step": step}

    ckpts = [ck("s", 30), ck("s", 60), ck("s", 120), ck("m", 90), ck("m", 100)]
    assert plan.step_jobs(ckpts, 0) == {c["ckpt"]: [c["ckpt"]] for c in ckpts}
    jobs = plan.step_jobs(ckpts, 100)
    assert jobs == {"toy-s-steps0": ["toy-s-step30", "toy-s-step60"], "toy-s-steps100": ["toy-s-step120"],
                    "toy-m-steps0": ["toy-m-step90"], "toy-m-steps100": ["toy-m-step100"]}
    more = plan.step_jobs(sorted(ckpts + [ck("s", 50)], key=lambda c: c["step"]), 100)
    changed = {j for j in more if more[j] != jobs.get(j)}
    assert changed == {"toy-s-steps0"}  # only the new checkpoint's window


def test_compared_recipes_run_on_the_first_finetuned_task_unless_told():
    from emergence import plan
    raw = yaml.safe_load(open(os.path.join(REPO, "config.yaml")))
    raw["finetune"]["tasks"] = ["rule", "rule_gen"]
    raw["finetune"]["compare"].pop("tasks", None)
    c = cfg.validate(raw)
    grid = plan.finetune_grid(c)
    compared = {r["task"] for r in grid if r["method"] not in c["finetune"]["methods"]}
    assert compared == {"rule"}
    c["finetune"]["compare"]["tasks"] = list(c["finetune"]["tasks"])
    grid = plan.finetune_grid(c)
    assert {r["task"] for r in grid if r["method"] not in c["finetune"]["methods"]} == set(c["finetune"]["tasks"])
