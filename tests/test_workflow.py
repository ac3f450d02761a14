"""The real workflow on the tiny test config: real models, real lm-eval, real peft."""
import json
import os

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import HUB_TOKEN, REPO, TEST_CONFIG, snakemake

pytestmark = pytest.mark.workflow
CFG = yaml.safe_load(open(TEST_CONFIG))


def test_checkpoints_table(test_run):
    ck = pd.read_csv(test_run / "checkpoints.csv")
    assert list(ck.columns[:9]) == ["ckpt", "series", "size", "step", "params", "tokens", "flops",
                                    "pretrain_loss", "path"]
    want = {(size, s) for size, spec in CFG["series"][0]["sizes"].items() for s in spec["steps"]}
    assert set(zip(ck["size"], ck["step"])) == want
    assert (ck["pretrain_loss"] > 0).all() and (ck["pretrain_loss"] < 6).all()
    assert np.allclose(ck["flops"], 6 * ck["params"] * ck["tokens"], rtol=1e-8)
    # a later checkpoint of the same size has seen more tokens and (here) a lower loss
    for _, g in ck.groupby("size"):
        g = g.sort_values("step")
        assert g["tokens"].is_monotonic_increasing
        assert g["pretrain_loss"].iloc[-1] < g["pretrain_loss"].iloc[0]


def test_checkpoints_are_ordinary_hf_dirs(test_run):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = pd.read_csv(test_run / "checkpoints.csv")["path"].iloc[0]
    path = path if os.path.isabs(path) else str(test_run.parent.parent / path)
    model = AutoModelForCausalLM.from_pretrained(path)
    tok = AutoTokenizer.from_pretrained(path)
    assert model.config.vocab_size == len(tok)
    assert json.load(open(os.path.join(path, "train_config.json")))["step"] > 0


def test_observations_cover_the_grid(test_run):
    obs = pd.read_csv(test_run / "observations.csv")
    assert list(obs.columns) == ["task", "ckpt", "series", "size", "step", "params", "tokens", "flops",
                                 "pretrain_loss", "method", "data_amount", "subset_sample", "num_fewshot",
                                 "metric", "value", "stderr"]
    # each accuracy carries its sampling error (binomial over the test questions)
    acc = obs[obs.metric == "acc"]
    assert (acc.stderr > 0).all() and (acc.stderr < 0.5).all()
    n_ckpts = sum(len(s["steps"]) for s in CFG["series"][0]["sizes"].values())
    fs = obs[(obs.method == "fewshot") & (obs.metric.isin(["acc", "exact_match"]))]
    # the task's k-shot prompt, and 0-shot too (evaluate.zero_shot, Fig. 11)
    assert len(fs) == 2 * n_ckpts * len(CFG["tasks"]) and CFG["evaluate"]["zero_shot"]
    assert sorted(fs.num_fewshot.unique()) == [0, CFG["tasks"][0]["num_fewshot"]]
    assert (fs.data_amount == 0).all()
    ft = obs[(obs.method == "lora") & (obs.metric == "acc")]
    grid = CFG["finetune"]
    assert len(ft) == len(grid["steps"]) * len(grid["data_amounts"]) * grid["subset_samples"]
    # the comparison recipe (full finetuning) runs once per grid checkpoint at its one D
    full = obs[(obs.method == "full") & (obs.metric == "acc")]
    assert len(full) == len(grid["steps"]) and set(full.data_amount) == {grid["compare"]["data_amount"]}
    prefix = obs[(obs.method == "prefix") & (obs.metric == "acc")]  # peft prefix tuning, evaluated unmerged
    assert len(prefix) == len(grid["steps"])
    assert set(ft.data_amount) == set(grid["data_amounts"])
    assert obs["value"].notna().all()
    acc = obs[obs.metric == "acc"]["value"]
    assert ((acc >= 0) & (acc <= 1)).all()
    # the continuous metric is a log-probability normalised over the choices
    assert (obs[obs.metric == "logprob_norm"]["value"] <= 0).all()


def test_lm_eval_outputs_kept_per_run(test_run):
    run = test_run / "evaluate" / "toy-m-steps40" / "toy-m-step40" / "rule" / "lora" / "D8_s1"
    res = json.load(open(run / "results.json"))
    assert "rule" in res["results"] and "task_hashes" in res and "configs" in res
    assert res["configs"]["rule"]["num_fewshot"] == 1
    samples = [json.loads(line) for line in open(run / "samples.jsonl")]
    assert len(samples) == CFG["tasks"][0]["n_test"]
    assert all(len(s["filtered_resps"]) == 3 for s in samples)  # one log-likelihood per choice


def test_finetuned_adapters_are_peft_dirs(test_run):
    from peft import PeftConfig

    d = test_run / "finetune" / "toy-m-steps0" / "toy-m-step20" / "rule" / "lora" / "D32_s1"
    assert PeftConfig.from_pretrained(str(d)).r == 2
    # finetune.step_window 40: one job per window, a folder per checkpoint inside it
    assert sorted(p.name for p in (test_run / "finetune").iterdir()) == ["toy-m-steps0", "toy-m-steps40"]
    assert sorted(p.name for p in (test_run / "finetune" / "toy-m-steps40").glob("toy-*")) == ["toy-m-step40", "toy-m-step60"]
    info = json.load(open(d / "finetune_info.json"))
    assert info["data_amount"] == 32 and info["steps"] >= 1


def test_fit_json_and_outputs(test_run):
    fit = json.load(open(test_run / "fits" / "rule.json"))
    for key in ("emergence_point_mle", "ground_truth", "error_nats", "status"):
        assert key in fit
    assert fit["status"] in ("ok", "forecast", "unidentifiable")
    pred = pd.read_csv(test_run / "tables" / "predictions.csv")
    assert list(pred["task"]) == ["rule"]
    png = test_run / "figures" / "rule" / "fig3.png"
    assert png.stat().st_size > 10_000 and open(png, "rb").read(4) == b"\x89PNG"


def test_rerun_is_a_no_op(test_run):
    p = snakemake("--configfile", TEST_CONFIG, "--cores", "1", "-n", workdir=test_run.parent.parent)
    assert "Nothing to be done" in p.stdout + p.stderr


def test_lint_is_clean():
    p = snakemake("--lint", "--configfile", TEST_CONFIG, workdir=REPO, check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Congratulations" in p.stdout + p.stderr


def test_tables_cover_every_holdout_row(test_run):
    from emergence.tables import holdout_rows

    t2 = pd.read_csv(test_run / "tables" / "holdout_ablation.csv")
    assert list(t2["ablation"]) == list(holdout_rows())
    # a row the data cannot identify says so instead of printing a number
    bad = t2[t2["status"] == "unidentifiable"]
    assert bad["emergence_point_mle"].isna().all() and bad["reason"].notna().all()
    t3 = pd.read_csv(test_run / "tables" / "uncertainty.csv")
    assert list(t3["task"]) == ["rule"]


def test_passuntil_samples_until_pass_or_cap(test_run):
    pu = CFG["passuntil"]
    files = sorted((test_run / "passuntil" / "runs").glob("*.csv"))
    assert [f.stem for f in files] == ["toy-m-steps0", "toy-m-steps40"]  # passuntil.step_window 40
    runs = pd.concat([pd.read_csv(f) for f in files])
    steps = CFG["series"][0]["sizes"]["m"]["steps"]
    assert sorted(runs["ckpt"].unique()) == [f"toy-m-step{s}" for s in steps]
    assert len(runs) == pu["instances"] * len(steps)
    assert (runs["K"] <= pu["k_max"]).all() and (runs["passes"] <= pu["r"]).all()
    # an instance is resolved (r passes) or censored at the cap, never both, never neither
    assert ((runs["passes"] == pu["r"]) ^ runs["censored"]).all()
    assert (runs.loc[runs.censored, "K"] == pu["k_max"]).all()
    fit = json.load(open(test_run / "passuntil" / "fit_rule_gen.json"))
    assert fit["axis"] == "flops" and fit["n_ckpts"] == 3
    # its pass rates reach the observations, where a fit scores PassUntil as a baseline
    obs = pd.read_csv(test_run / "observations.csv")
    pr = obs[obs["metric"] == "pass_rate"]
    assert set(pr["task"]) == {pu["task"]} and sorted(pr["ckpt"]) == sorted(runs["ckpt"].unique())
    table = pd.read_csv(test_run / "tables" / "passuntil_rule_gen.csv").set_index("ckpt")
    assert np.allclose(pr.set_index("ckpt")["value"], table.loc[pr["ckpt"], "pu"])


def test_metric_chain_tables(test_run):
    s = pd.read_csv(test_run / "tables" / "metric_chain_summary_rule.csv")
    assert set(s["metric"]) >= {"logp_vocab_correct", "p_choices_correct", "accuracy", "brier"}
    assert set(s["method"]) == {"pearson", "spearman", "kendall"}
    chain = pd.read_csv(test_run / "tables" / "metric_chain_rule.csv.gz")
    acc = chain[chain.metric == "accuracy"].groupby("ckpt")["value"].mean()
    obs = pd.read_csv(test_run / "observations.csv")
    fs = obs[(obs.method == "fewshot") & (obs.metric == "acc") & (obs.task == "rule")].set_index("ckpt")["value"]
    # the chain's accuracy is lm-eval's acc up to tie-breaking
    assert (acc.reindex(fs.index) - fs).abs().max() < 0.1


def test_every_figure_and_the_report(test_run, tmp_path):
    for fig in ("fig3", "fig4", "fig5", "fig6", "fig7", "fig10", "fig12", "fig13"):
        png = test_run / "figures" / "rule" / f"{fig}.png"
        assert png.stat().st_size > 5_000 and open(png, "rb").read(4) == b"\x89PNG", fig
        assert (test_run / "figures" / "rule" / f"{fig}.pdf").stat().st_size > 1_000
    html = (test_run / "tables" / "holdout_ablation.html").read_text()
    assert "<table" in html and "Full Data" in html
    out = tmp_path / "report.html"
    p = snakemake("--configfile", TEST_CONFIG, "--report", str(out), workdir=test_run.parent.parent)
    assert out.stat().st_size > 100_000 and "ERROR" not in p.stderr
    # the report opens with the forecast cards' one-line verdicts
    first = (test_run / "cards" / "summary.txt").read_text().splitlines()[0]
    assert first.split(" - ")[0] in out.read_text()


def test_lens_figures(test_run):
    for png in (test_run / "figures" / "rule" / "metric_chain.png", test_run / "figures" / "rule" / "metric_chain_mass.png",
                test_run / "figures" / "rule_gen" / "passuntil.png"):
        assert png.stat().st_size > 5_000 and open(png, "rb").read(4) == b"\x89PNG", png


def test_hub_token_never_reaches_logs_or_results(test_run):
    root = test_run.parent.parent
    for path in list(root.rglob("*.log")) + list(root.rglob("*.json")) + list(root.rglob("*.csv")):
        assert HUB_TOKEN not in path.read_text(errors="ignore"), path


def test_trust_remote_code_is_off_unless_asked():
    from emergence import config as cfg

    c = cfg.validate(yaml.safe_load(open(TEST_CONFIG)))
    assert all(s["trust_remote_code"] is False for s in c["series"])
