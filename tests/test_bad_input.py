"""A corpus of broken inputs: each fails with one clear message naming the file/field,
a non-zero exit, before any job runs where possible, and never a bare traceback."""
import copy
import json
import os
import stat
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import REPO, TEST_CONFIG, snakemake
from emergence import config as cfg
from emergence import pretrain_loss, tasks


def base():
    return copy.deepcopy(yaml.safe_load(open(TEST_CONFIG)))


def mc_record(**kw):
    r = {"context": "a b", "target": "c", "choices": ["c", "d"], "label": 0}
    r.update(kw)
    return r


def user_task(tmp_path, lines):
    """A `source: files` task whose test split holds `lines`."""
    good = tmp_path / "good.jsonl"
    good.write_text("\n".join(json.dumps(mc_record()) for _ in range(3)) + "\n")
    bad = tmp_path / "test.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    return {"name": "mine", "source": "files", "template": "jsonl_multiple_choice.yaml", "num_fewshot": 1,
            "metric": "acc", "files": {"test": str(bad), "fewshot": str(good), "pool": str(good)}}


CONFIG_CASES = {
    "unknown key": (lambda c, t: c.update(bogus=1), "field '<top level>'"),
    "wrong type": (lambda c, t: c.update(seed="zero"), "field 'seed'"),
    "empty grid": (lambda c, t: c["finetune"].update(steps=[]), "field 'finetune.steps'"),
    "empty series": (lambda c, t: c.update(series=[]), "field 'series'"),
    "D <= 0": (lambda c, t: c["finetune"].update(data_amounts=[-4, 8]), "field 'finetune.data_amounts.0'"),
    "D beyond the pool": (lambda c, t: c["finetune"].update(data_amounts=[2, 64]), "field 'finetune.data_amounts'"),
    "missing task file": (lambda c, t: c["tasks"].append({**user_task(t, [json.dumps(mc_record())]),
                                                          "files": {"test": "/nope.jsonl", "fewshot": "/nope.jsonl",
                                                                    "pool": "/nope.jsonl"}}),
                          "field 'tasks.2.files.test': no file /nope.jsonl"),
    "unknown lm-eval task": (lambda c, t: c["tasks"].append({"name": "no_such_task_xyz", "source": "lm_eval",
                                                             "num_fewshot": 0, "metric": "acc"}),
                             "lm-eval has no task or group 'no_such_task_xyz'"),
    "bad JSON line": (lambda c, t: c["tasks"].append(user_task(t, [json.dumps(mc_record()), "{not json"])),
                      "test.jsonl:2: not valid JSON"),
    "missing field": (lambda c, t: c["tasks"].append(user_task(t, [json.dumps({"context": "a", "choices": ["x", "y"],
                                                                               "label": 0})])),
                      "test.jsonl:1: missing field(s) target"),
    "label out of range": (lambda c, t: c["tasks"].append(user_task(t, [json.dumps(mc_record(label=5))])),
                           "test.jsonl:1: field 'label' = 5 is not an index into 2 choices"),
    "choices not a list": (lambda c, t: c["tasks"].append(user_task(t, [json.dumps(mc_record(choices="cd"))])),
                           "field 'choices' must be a list"),
    "unknown finetune task": (lambda c, t: c["finetune"].update(tasks=["nope"]), "field 'finetune.tasks'"),
    "step beyond training": (lambda c, t: c["series"][0]["sizes"]["m"].update(steps=[20, 999]),
                             "field 'series.toy.sizes.m.steps'"),
    "passuntil on a multiple-choice task": (lambda c, t: c["passuntil"].update(task="rule"), "field 'passuntil.task'"),
    "unbiased PassUntil with r=1": (lambda c, t: c["passuntil"].update(r=1), "field 'passuntil.r'"),
    "negative chance": (lambda c, t: c["tasks"][0].update(chance=-0.1), "field 'tasks.0.chance'"),
    "unknown fit variant": (lambda c, t: c["fit"].update(variant="cubic"), "field 'fit.variant'"),
    "unknown corpus field": (lambda c, t: c["toy"]["corpus"].update(class_doc=0.2), "field 'toy.corpus'"),
    "corpus share above 1": (lambda c, t: c["toy"]["corpus"].update(class_docs=1.5), "field 'toy.corpus.class_docs'"),
    "words not a multiple of the classes": (lambda c, t: c["toy"]["corpus"].update(n_words=13),
                                            "field 'toy.corpus.n_words': 13 is not a multiple"),
    "class documents without documents": (lambda c, t: c["toy"]["corpus"].update(class_docs=0.2, doc_len=0),
                                          "field 'toy.corpus.class_docs': needs documents"),
    "training field of the wrong type": (lambda c, t: c["toy"]["train"].update(lr="fast"), "field 'toy.train.lr'"),
}


@pytest.mark.parametrize("case", list(CONFIG_CASES))
def test_bad_config_or_task_data(case, tmp_path):
    edit, expect = CONFIG_CASES[case]
    c = base()
    edit(c, tmp_path)
    with pytest.raises(cfg.ConfigError) as e:
        cfg.validate(c, "bad.yaml")
    assert "bad.yaml" in str(e.value) and expect in str(e.value), str(e.value)


def test_bad_task_data_stops_the_workflow_before_any_job(tmp_path):
    c = base()
    c["tasks"].append(user_task(tmp_path, ["{not json"]))
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(c))
    p = snakemake("--configfile", str(path), "--cores", "1", workdir=tmp_path, check=False)
    out = p.stdout + p.stderr
    assert p.returncode != 0 and "test.jsonl:1: not valid JSON" in out
    assert not (tmp_path / "results" / "test" / "series").exists()


def test_two_configs_with_the_same_name(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(yaml.safe_dump(base()))
    b.write_text(yaml.safe_dump(base()))
    # a dry run, a lint or a report writes nothing, so claims nothing
    snakemake("-n", "--configfile", str(a), "--cores", "1", workdir=tmp_path)
    assert not (tmp_path / "results").exists()
    snakemake("-n", "--configfile", str(b), "--cores", "1", workdir=tmp_path)
    # a run claims results/test/ for its config file (one cheap job is enough)
    snakemake("--configfile", str(a), "--cores", "1", "results/test/tasks/rule/rule.yaml", workdir=tmp_path)
    p = snakemake("-n", "--configfile", str(b), "--cores", "1", workdir=tmp_path, check=False)
    assert p.returncode != 0
    assert f"field 'name': 'test' is already the name of {a}" in p.stdout + p.stderr
    # the owner itself may rerun
    snakemake("-n", "--configfile", str(a), "--cores", "1", workdir=tmp_path)


def test_heldout_corpus_without_text_field(tmp_path):
    p = tmp_path / "held.jsonl"
    p.write_text('{"txt": 1}\n')
    with pytest.raises(ValueError, match=r"held.jsonl:1: expected a JSON object with a 'text' field"):
        pretrain_loss.read_texts(str(p), 5)


def test_empty_task_file(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_text("\n")
    with pytest.raises(ValueError, match="t.jsonl: no records"):
        tasks.validate_records(str(p), multiple_choice=False)


def fit_cli(tmp_path, df, *args):
    obs = tmp_path / "obs.csv"
    if df is not None:
        df.to_csv(obs, index=False)
    cmd = [sys.executable, "-m", "emergence.fit", str(obs), "--out", str(tmp_path / "fit.json"), "--no-mcmc", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)


def obs_frame():
    from emergence.fit import simulate_obs

    return simulate_obs(seed=0)


FIT_CASES = {
    "missing file": (None, ["--task", "t"], "no such file"),
    "missing column": ("drop", ["--task", "t"], "missing column(s) pretrain_loss"),
    "NaN value": ("nan", ["--task", "t"], "column value has 1 missing/non-numeric"),
    "non-numeric loss": ("text", ["--task", "t"], "column pretrain_loss"),
    "unknown task": ("ok", ["--task", "nope"], "unknown task 'nope'"),
    "unknown metric": ("ok", ["--task", "t", "--metric", "brier"], "has no metric 'brier'"),
    # 1e20 passed "whole and >= 0" and then wrapped to a negative int64, silently dropping a row
    "huge whole number": ("bigint", ["--task", "t"], "column num_fewshot has 1 missing/non-numeric/infinite/huge"),
    # 1e308 overflowed the fit's squares into numpy warnings and a wrong reason
    "huge value": ("huge", ["--task", "t"], "column value has 1 missing/non-numeric/infinite/huge"),
    # pandas renames a repeated column to value.1 and the fit used the first without a word
    "repeated column": ("twice", ["--task", "t"], "column(s) value appear more than once"),
    "chance above 1": ("ok", ["--task", "t", "--chance", "1.02"], "is a proportion, expected 0 to below 1"),
    # chance 1 passed (within the values' range with its margin) and was ignored by the fit
    "chance 1": ("ok", ["--task", "t", "--chance", "1"], "is a proportion, expected 0 to below 1"),
    # from a second hostile-table review (2026-12-01): each was fitted without a word
    "two losses for one checkpoint": ("twoloss", ["--task", "t"], "has several pretrain_loss values"),
    "finetuned rows without few-shot": ("nofs", ["--task", "t"], "have no few-shot row with num_fewshot"),
    "shots differ between checkpoints": ("shots", ["--task", "t"], "have no few-shot row with num_fewshot"),
    "two methods, same grid": ("twomethods", ["--task", "t"], "ran the same grid; name the one to fit (--method)"),
    "colliding checkpoint names": ("collide", ["--task", "t"], "checkpoint names collide"),
    "option twice": ("ok", ["--task", "t", "--task", "u"], "option --task given more than once"),
    "perplexity as loss": ("ppl", ["--task", "t"], "a perplexity? give its log"),
    "stderr of a proportion above 0.5": ("bigse", ["--task", "t"], "column stderr is above 0.5"),
    # from a third review (2026-12-01, tenth session): each was fitted without a word
    "abbreviated option beside the full one": ("ok", ["--task", "t", "--ta", "u"], "unrecognized arguments: --ta"),
    "negative accuracy": ("negacc", ["--task", "t"], "column value is below 0 for a proportion"),
    "loss rising with step": ("rising", ["--task", "t"], "column pretrain_loss rises with step"),
    "a task name with a trailing space": ("space", ["--task", "t"], "column task has a name with leading/trailing"),
    "sampler options below each other": ("ok", ["--task", "t", "--mcmc-steps", "200", "--mcmc-max-steps", "10"],
                                         "--mcmc-max-steps 10 is below --mcmc-steps 200"),
    "sampler option with --no-mcmc": ("ok", ["--task", "t", "--mcmc-steps", "-5"], "--mcmc-steps given with --no-mcmc"),
}


def test_fit_cli_reads_names_as_text(tmp_path):
    # a task called 007 used to be read as the number 7, and no spelling could name it
    df = obs_frame().assign(task="007")
    p = fit_cli(tmp_path, df, "--task", "007", "--bootstrap", "0")
    assert p.returncode == 0, p.stderr
    assert json.load(open(tmp_path / "fit.json"))["task"] == "007"


@pytest.mark.parametrize("case", list(FIT_CASES))
def test_fit_cli_bad_observations(case, tmp_path):
    how, args, expect = FIT_CASES[case]
    df = None
    if how is not None:
        df = obs_frame()
        if "task" in df:
            df["task"] = "t"
        if how == "drop":
            df = df.drop(columns=["pretrain_loss"])
        elif how == "nan":
            df.loc[3, "value"] = float("nan")
        elif how == "text":
            df["pretrain_loss"] = df["pretrain_loss"].astype(object)
            df.loc[0, "pretrain_loss"] = "high"
        elif how == "bigint":
            df["num_fewshot"] = df["num_fewshot"].astype(float)
            df.loc[0, "num_fewshot"] = 1e20
        elif how == "huge":
            df.loc[5, "value"] = 1e308
        elif how == "twoloss":
            c = df["ckpt"].iloc[0]
            df.loc[(df["ckpt"] == c) & (df["method"] != "fewshot"), "pretrain_loss"] += 0.08
        elif how == "nofs":
            c = df["ckpt"].iloc[0]
            df = df[~((df["ckpt"] == c) & (df["method"] == "fewshot"))]
        elif how == "shots":
            c = df["ckpt"].iloc[0]
            df.loc[(df["ckpt"] == c) & (df["method"] == "fewshot"), "num_fewshot"] = 1
        elif how == "twomethods":
            df = pd.concat([df, df[df["method"] != "fewshot"].assign(method="other")], ignore_index=True)
        elif how == "collide":  # series 'a' + ckpt 'b/c00' and series 'a/b' + ckpt 'c00'
            one = df.assign(series="a", ckpt="b/" + df["ckpt"])
            two = df.assign(series="a/b")
            df = pd.concat([one, two], ignore_index=True)
        elif how == "ppl":
            df["pretrain_loss"] = np.exp(df["pretrain_loss"])
        elif how == "bigse":
            df["stderr"] = 0.01
            df.loc[2, "stderr"] = 0.7
        elif how == "space":  # a copied row with task 't ' was silently a second task
            df = pd.concat([df, df.iloc[[0]].assign(task="t ")], ignore_index=True)
        elif how == "negacc":
            df.loc[4, "value"] = -0.5
        elif how == "rising":  # steps numbered the wrong way round: the most trained checkpoint has the highest loss
            df["step"] = df["pretrain_loss"].rank(method="dense").astype(int) * 100
        elif how == "twice":
            df.insert(len(df.columns), "dup", df["value"])
            df = df.rename(columns={"dup": "value"})
    p = fit_cli(tmp_path, df, *args)
    assert p.returncode != 0
    assert expect in p.stderr, p.stderr
    assert "Traceback" not in p.stderr
    assert not (tmp_path / "fit.json").exists()


def test_fit_cli_never_replaces_a_link_or_device_nor_the_table_with_its_card(tmp_path):
    """The writer renames a temporary file over --out: /dev/null or a symlink would become a
    plain file, and the card's paths were not checked against the table."""
    df = obs_frame().assign(task="t")
    target = tmp_path / "target.json"
    target.write_text("keep")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    obs = tmp_path / "obs.csv"
    df.to_csv(obs, index=False)
    fifo = tmp_path / "pipe.json"  # stands in for /dev/null: a regression must not replace the real one
    os.mkfifo(fifo)
    for out, expect in ((str(link), "is not a regular file"), (str(fifo), "is not a regular file"),
                        ("", "--out: empty")):
        p = subprocess.run([sys.executable, "-m", "emergence.fit", str(obs), "--task", "t", "--no-mcmc", "--out", out],
                           capture_output=True, text=True, cwd=REPO)
        assert p.returncode == 2 and expect in p.stderr, p.stderr
    assert link.is_symlink() and target.read_text() == "keep" and stat.S_ISFIFO(os.stat(fifo).st_mode)
    card_md = tmp_path / "fit.card.md"
    df.to_csv(card_md, index=False)  # the table itself sits where the card would go
    p = subprocess.run([sys.executable, "-m", "emergence.fit", str(card_md), "--task", "t", "--no-mcmc", "--card",
                        "--out", str(tmp_path / "fit.json")], capture_output=True, text=True, cwd=REPO)
    assert p.returncode == 2 and "is the observations table itself" in p.stderr, p.stderr
    assert not (tmp_path / "fit.json").exists()  # refused before the fit, nothing half-written
    assert pd.read_csv(card_md).shape == df.shape
