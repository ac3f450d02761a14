"""Resources come from the profiles; under profiles/slurm-gpu the finetune, evaluate and
passuntil rules scale memory and runtime with the checkpoint's parameter count (dry runs)."""
import os
import re

import pytest
import yaml

from conftest import REPO, TEST_CONFIG, snakemake

OPENLLAMA = os.path.join(REPO, "configs", "openllama_v1.yaml")
GPU = os.path.join(REPO, "profiles", "slurm-gpu")


def planned(*args, workdir):
    """{(rule, wildcards): resources} of every job a dry run plans."""
    p = snakemake("-n", *args, workdir=workdir)
    jobs = {}
    # grouped jobs (profiles/slurm groups evaluations) are printed indented
    for block in re.split(r"\n(?=\s*(?:local)?rule \w+:)", p.stdout + p.stderr):
        m = re.match(r"\s*(?:local)?rule (\w+):", block)
        if not m:
            continue
        w = re.search(r"^\s+wildcards: (.*)$", block, re.M)
        r = re.search(r"^\s+resources: (.*)$", block, re.M)
        res = dict(kv.split("=", 1) for kv in r.group(1).split(", ")) if r else {}
        jobs[(m.group(1), w.group(1) if w else "")] = res
    return jobs


def request(jobs, rule, size, grid=None):
    """(mem_mb, runtime) of the rule's jobs on checkpoints of one size (all equal)."""
    ft_steps = set(grid or ())
    got = {(int(r["mem_mb"]), int(r["runtime"])) for (name, w), r in jobs.items()
           if name == rule and f"-{size}-step" in w
           and (grid is None or (int(w.rsplit("step", 1)[1]) in ft_steps) == (rule == "finetune"))}
    assert len(got) == 1, (rule, size, got)
    return got.pop()


def variant(tmp_path, name, edit):
    c = yaml.safe_load(open(OPENLLAMA))
    c["name"] = name
    edit(c)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(c))
    return str(path)


@pytest.fixture(scope="module")
def gpu_plan(tmp_path_factory):
    work = tmp_path_factory.mktemp("gpu")
    return planned("--configfile", OPENLLAMA, "--profile", GPU, workdir=work)


def test_evaluate_of_13b_asks_more_than_3b(gpu_plan):
    grid = yaml.safe_load(open(OPENLLAMA))["finetune"]["steps"]
    # checkpoints outside the finetuning grid: few-shot runs only, the same count per size
    mem3, time3 = request(gpu_plan, "evaluate", "3b", grid)
    mem13, time13 = request(gpu_plan, "evaluate", "13b", grid)
    assert mem13 > mem3 and time13 > time3
    # profile numbers: 16000 + 4000 MB and 20 + 2 min per billion parameters (x 4 tasks)
    assert (mem3, mem13) == (16000 + 4000 * 3.43, 16000 + 4000 * 13)
    assert time13 == 20 + 2 * 13 * 4
    every = [r for (rule, _), r in gpu_plan.items() if rule in ("evaluate", "finetune", "pretrain_loss")]
    assert every and all(r["gpu"] == "1" and "gres" not in r for r in every)
    # the profile's default-resources reach the other rules (profiles/default does not replace them)
    assert all(r["slurm_partition"] == "gpu" for r in gpu_plan.values())


def test_finetune_of_13b_asks_more_than_3b(gpu_plan, tmp_path):
    mem3, time3 = request(gpu_plan, "finetune", "3b")

    def on_13b(c):
        c["finetune"].update(size="13b", steps=[5000, 10000])

    jobs = planned("--configfile", variant(tmp_path, "ft13b", on_13b), "--profile", GPU, workdir=tmp_path)
    mem13, time13 = request(jobs, "finetune", "13b")
    assert mem13 > mem3 and time13 > time3


def test_size_label_is_the_fallback_parameter_count(tmp_path):
    def drop_params(c):
        for spec in c["series"][0]["sizes"].values():
            del spec["params"]

    jobs = planned("--configfile", variant(tmp_path, "noparams", drop_params), "--profile", GPU, workdir=tmp_path)
    grid = yaml.safe_load(open(OPENLLAMA))["finetune"]["steps"]
    assert request(jobs, "evaluate", "3b", grid)[0] == 16000 + 4000 * 3  # "3b" read as 3e9
    assert request(jobs, "evaluate", "13b", grid)[0] == 16000 + 4000 * 13


def test_toy_config_dry_runs_under_default_and_slurm(tmp_path):
    local = planned("--configfile", TEST_CONFIG, "--cores", "1", workdir=tmp_path / "local")
    assert local and all("mem_mb" not in r for r in local.values())  # nothing asked for locally
    slurm = planned("--configfile", TEST_CONFIG, "--profile", os.path.join(REPO, "profiles", "slurm"),
                    workdir=tmp_path / "slurm")
    assert set(slurm) == set(local)
    evals = [r for (rule, _), r in slurm.items() if rule == "evaluate"]
    assert evals and all((r["mem_mb"], r["runtime"], r["slurm_partition"]) == ("2000", "60", "debug") for r in evals)


def test_the_snakemake_internal_that_common_smk_uses_is_still_there():
    """rules/common.smk records input functions' parameters through snakemake.common (no public
    way exists); if Snakemake moves or changes it, this fails before any workflow does."""
    from snakemake.common import get_function_params, overwrite_function_params

    def f(wildcards, input):
        return wildcards

    overwrite_function_params(f, get_function_params(f))
    assert list(get_function_params(f)) == ["wildcards", "input"]
