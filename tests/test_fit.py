import json
import subprocess
import sys

import numpy as np
import pytest

from emergence import fit
from emergence.fit import fit_task, main, simulate_obs


@pytest.fixture(scope="module")
def csv(tmp_path_factory):
    p = tmp_path_factory.mktemp("obs") / "observations.csv"
    obs = simulate_obs(sigma=0.02, A_fs=1.0, seed=2)
    obs["params"] = 1e6  # unknown extra columns are ignored
    obs.to_csv(p, index=False)
    return p


def run_cli(args, capsys):
    rc = main([str(a) for a in args])
    return rc, capsys.readouterr().err


@pytest.mark.parametrize("drop", ["value", "pretrain_loss", "data_amount"])
def test_cli_missing_column(tmp_path, csv, capsys, drop):
    import pandas as pd

    bad = tmp_path / "bad.csv"
    pd.read_csv(csv).drop(columns=[drop]).to_csv(bad, index=False)
    rc, err = run_cli([bad, "--task", "sim", "--out", tmp_path / "o.json"], capsys)
    assert rc != 0 and drop in err and "bad.csv" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.json").exists()


def test_cli_bad_inputs(tmp_path, csv, capsys):
    import pandas as pd

    out = tmp_path / "o.json"
    rc, err = run_cli([tmp_path / "nope.csv", "--task", "sim", "--out", out], capsys)
    assert rc != 0 and "nope.csv" in err
    nan = tmp_path / "nan.csv"
    df = pd.read_csv(csv)
    df.loc[3, "value"] = np.nan
    df.to_csv(nan, index=False)
    rc, err = run_cli([nan, "--task", "sim", "--out", out], capsys)
    assert rc != 0 and "value" in err and "nan.csv" in err
    rc, err = run_cli([csv, "--task", "mmlu", "--out", out], capsys)
    assert rc != 0 and "mmlu" in err and "sim" in err
    rc, err = run_cli([csv, "--task", "sim", "--metric", "f1", "--out", out], capsys)
    assert rc != 0 and "f1" in err
    assert not out.exists()


def test_cli_no_traceback_in_subprocess(tmp_path):
    p = subprocess.run([sys.executable, "-m", "emergence.fit", str(tmp_path / "missing.csv"), "--task", "x",
                        "--out", str(tmp_path / "o.json")], capture_output=True, text=True)
    assert p.returncode != 0 and "Traceback" not in p.stderr and "missing.csv" in p.stderr


def test_cli_success_and_byte_identical(tmp_path, csv, capsys):
    a, b = tmp_path / "a.json", tmp_path / "sub" / "b.json"
    args = ["--task", "sim", "--chance", str(1 / 6), "--mcmc-steps", "800", "--bootstrap", "12", "--seed", "3"]
    assert run_cli([csv, *args, "--out", a], capsys)[0] == 0
    assert run_cli([csv, *args, "--out", b], capsys)[0] == 0
    assert a.read_bytes() == b.read_bytes()
    r = json.loads(a.read_text())
    for k in ["task", "metric", "variant", "d0", "emergence_point_mle", "percentiles", "bootstrap_percentiles",
              "ground_truth", "error_nats", "failed", "params", "loglik", "ess", "mcmc_converged", "status",
              "reason", "fit_ckpts", "n_rows"]:
        assert k in r
    assert r["status"] == "ok" and r["d0"] == 6 and r["metric"] == "acc" and r["failed"] is False
    assert r["error_nats"] == pytest.approx(abs(r["emergence_point_mle"] - r["ground_truth"]), abs=2e-6)
    # rounded floats: at most 6 decimals
    assert all(len(t.split(".")[1]) <= 6 for t in a.read_text().replace(",", " ").split() if t[0].isdigit() and "." in t)
    assert not list(tmp_path.glob(".tmp*"))


def test_fit_task_json_safe_and_defaults():
    obs = simulate_obs(seed=0)
    r = fit_task(obs, "sim")
    json.dumps(r, allow_nan=False)
    assert r["d0"] == 6 and r["variant"] == "log_power" and r["method"] == "full"
    assert r["percentiles"] is None and r["percentiles_reason"] == "mcmc not run"
    # num_fewshot 0: D0 falls back to 1 (E(1) = C under the log power law)
    obs0 = obs.assign(num_fewshot=0)
    r0 = fit_task(obs0, "sim")
    assert r0["d0"] == 1 and r0["emergence_point_mle"] == pytest.approx(r0["params"]["C"], abs=1e-6)


def test_default_method_is_the_data_subset_grid(tmp_path, capsys):
    # a LoRA grid over D plus full finetuning and a rank-1 LoRA compared at one D (the
    # default toy's shape): the law is fitted to the grid, not to the alphabetically first
    grid = simulate_obs(seed=0).assign(method=lambda d: d["method"].where(d["method"] == "fewshot", "lora"))
    one_d = grid[grid["data_amount"] == 1024]
    obs = fit.pd.concat([grid, one_d.assign(method="full"), one_d.assign(method="lora_r1")])
    r = fit_task(obs, "sim", chance=1 / 6)
    assert r["method"] == "lora" and r["status"] == "ok"
    p = tmp_path / "obs.csv"
    obs.to_csv(p, index=False)
    assert run_cli([p, "--task", "sim", "--no-mcmc", "--out", tmp_path / "a.json"], capsys)[0] == 0
    assert json.loads((tmp_path / "a.json").read_text())["method"] == "lora"
    assert run_cli([p, "--task", "sim", "--no-mcmc", "--method", "full", "--out", tmp_path / "b.json"], capsys)[0] == 0
    assert json.loads((tmp_path / "b.json").read_text())["status"] == "unidentifiable"


def test_metric_choice():
    obs = simulate_obs(seed=0)
    other = obs.assign(metric="logprob_norm", value=obs["value"] * 2)
    both = fit.pd.concat([obs, other])
    assert fit_task(both, "sim")["metric"] == "acc"
    assert fit_task(other, "sim")["metric"] == "logprob_norm"


# ---------------------------------------------------------------------------------------------
# hostile tables and options: one line naming the column or option, exit != 0, nothing written

def _edit(how):
    def f(df):
        df = df.copy()
        ft = df.index[df["method"] != "fewshot"]
        fs = df.index[df["method"] == "fewshot"]
        if how == "neg_D":
            df.loc[ft[0], "data_amount"] = -4
        elif how == "inf_loss":
            df.loc[3, "pretrain_loss"] = np.inf
        elif how == "neg_shots":
            df["num_fewshot"] = -1
        elif how == "frac_D":
            df["data_amount"] = df["data_amount"].astype(float)
            df.loc[ft[0], "data_amount"] = 4.5
        elif how == "zero_D_finetuned":
            df.loc[ft[0], "data_amount"] = 0
        elif how == "D_on_fewshot":
            df.loc[fs[0], "data_amount"] = 8
        elif how == "duplicates":
            df = fit.pd.concat([df, df.iloc[:5]], ignore_index=True)
        elif how == "neg_loss":
            df.loc[0, "pretrain_loss"] = -1.0
        elif how == "text_value":
            df["value"] = df["value"].astype(object)
            df.loc[2, "value"] = "high"
        elif how == "neg_stderr":
            df["stderr"] = 0.01
            df.loc[0, "stderr"] = -0.01
        elif how == "empty":
            df = df.iloc[:0]
        return df
    return f


TABLE_CASES = {
    "negative data_amount": ("neg_D", "data_amount"),
    "inf loss": ("inf_loss", "pretrain_loss"),
    "negative num_fewshot": ("neg_shots", "num_fewshot"),
    "fractional D": ("frac_D", "data_amount"),
    "D 0 on a finetuned row": ("zero_D_finetuned", "data_amount"),
    "D on a few-shot row": ("D_on_fewshot", "data_amount"),
    "duplicate rows": ("duplicates", "duplicate"),
    "negative loss": ("neg_loss", "pretrain_loss"),
    "text value": ("text_value", "value"),
    "negative stderr": ("neg_stderr", "stderr"),
    "no rows": ("empty", "no rows"),
}


@pytest.mark.parametrize("case", list(TABLE_CASES))
def test_cli_refuses_bad_tables(case, tmp_path, csv, capsys):
    how, word = TABLE_CASES[case]
    bad = tmp_path / "bad.csv"
    _edit(how)(fit.pd.read_csv(csv)).to_csv(bad, index=False)
    rc, err = run_cli([bad, "--task", "sim", "--no-mcmc", "--out", tmp_path / "o.json"], capsys)
    assert rc != 0 and word in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.json").exists()


OPTION_CASES = {
    "mcmc steps 0": (["--mcmc-steps", "0"], "nsteps"),
    "one walker": (["--mcmc-walkers", "1"], "nwalkers"),
    "chance 5": (["--chance", "5"], "chance"),
    "chance nan": (["--chance", "nan"], "chance"),
    "unknown method": (["--method", "nope"], "nope"),
    "unknown variant": (["--variant", "cubic"], "variant"),
    "text steps": (["--mcmc-steps", "many"], "mcmc-steps"),
    "negative d0": (["--d0", "-2"], "d0"),
    "negative bootstrap": (["--bootstrap", "-3"], "bootstrap"),
    "negative seed": (["--seed", "-1"], "seed"),
    "out is a folder": (["--out", "{tmp}"], "folder"),
    "out is the input": (["--out", "{csv}"], "observations table itself"),
}


@pytest.mark.parametrize("case", list(OPTION_CASES))
def test_cli_refuses_bad_options(case, tmp_path, csv, capsys):
    args, word = OPTION_CASES[case]
    args = [a.format(tmp=tmp_path, csv=csv) for a in args]
    before = csv.read_bytes()
    out = [] if "--out" in args else ["--out", tmp_path / "o.json"]
    rc, err = run_cli([csv, "--task", "sim", *args, *out], capsys)
    assert rc != 0 and word in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1
    assert csv.read_bytes() == before and not (tmp_path / "o.json").exists()


def test_duplicates_and_a_negative_shot_count_are_refused_by_fit_task_too():
    obs = simulate_obs(seed=0)
    with pytest.raises(fit.InputError, match="duplicate"):
        fit_task(fit.pd.concat([obs, obs.iloc[:1]]), "sim")
    with pytest.raises(fit.InputError, match="num_fewshot"):
        fit_task(obs.assign(num_fewshot=-1), "sim")
    with pytest.raises(fit.InputError, match="max_width"):
        fit_task(obs, "sim", max_width=-1)
    with pytest.raises(fit.InputError, match="d0: expected >= 1"):  # log 0.5 < 0 has no real power
        fit_task(obs, "sim", d0=0.5)
    two = fit.pd.concat([obs, obs.assign(metric="f1")])  # a second metric: which one is not ours to guess
    with pytest.raises(fit.InputError, match="several metrics .acc, f1."):
        fit_task(two, "sim")
    assert fit_task(two, "sim", metric="f1", mcmc=None, profile=False)["metric"] == "f1"


def test_known_stderr_is_used_and_reported():
    obs = simulate_obs(sigma=0.015, A_fs=1.0, seed=1, losses=np.linspace(4.3, 2.5, 16), stderr=0.015)
    r = fit_task(obs, "sim", chance=1 / 6)
    assert r["floor_noise"] >= 0.015 and "set ends before" in r["selection_reason"]
    assert r["fit_ckpts"] and r["n_kept_past_truth"] <= 2


def test_a_reversed_loss_column_is_named_as_a_likely_cause():
    """A loss column that rises with training (e.g. 10 - loss) puts the emerged checkpoints first:
    the user is told what the walk saw, not only that no rows were left."""
    obs = simulate_obs(sigma=0.015, A_fs=1.0, seed=1, losses=np.linspace(4.3, 2.5, 16), stderr=0.015)
    r = fit_task(obs.assign(pretrain_loss=7.0 - obs["pretrain_loss"]), "sim", chance=1 / 6, mcmc=None)
    assert r["status"] == "unidentifiable" and "rises with training" in r["reason"]
    assert "few-shot" in r["reason"]  # the value that ended the set
    # a caller's own choice that selects nothing is not blamed on the data
    r = fit_task(obs, "sim", chance=1 / 6, mcmc=None, loss_cutoff=99.0)
    assert "rises with training" not in (r["reason"] or "")


def test_profile_interval_holds_the_mle_where_the_grid_search_misses_its_ridge():
    """A real table (toy, seed 0, language 7, rule_gen) whose D0 = 20 fit crashed the
    profile: its coarse search put the whole profile below the maximum likelihood."""
    import os

    from emergence.observations import read_obs
    obs = read_obs(os.path.join(os.path.dirname(__file__), "data", "profile_ridge.csv"))
    r = fit_task(obs, "rule_gen", chance=0.0, d0=20, mcmc=None, seed=0)
    pi, e0 = r["profile_interval"], r["emergence_point_mle"]
    assert e0 is not None and pi["lo"] <= e0 <= pi["hi"], (r["status"], e0, pi)


def test_the_mle_is_the_global_optimum_not_a_run_off_the_profile_beats():
    """A real table (lure toy with rare markers, seed 0, m64): few-shot rows from step 25 span
    3.5-8 nats, and the multi-start grid over that span stepped past the optimum among the
    finetuned elbows (3.6-3.8): the MLE ran off to E(D0) = 9.6 nats, outside its own profile
    interval, and read 'ok' on rows without MCMC or bootstrap (Table 2)."""
    import os

    from emergence import law, priors as priors_mod, uncertainty
    from emergence.observations import read_obs, task_frame
    obs = read_obs(os.path.join(os.path.dirname(__file__), "data", "lure_runoff_m64.csv"))
    r = fit_task(obs, "m64", chance=0.0, mcmc=None, seed=0)
    pi, e0 = r["profile_interval"], r["emergence_point_mle"]
    assert 3.5 < e0 < 3.8 and pi["lo"] <= e0 <= pi["hi"]
    # the safety net: an MLE stuck at the run-off is beaten by its profile, which hands back
    # a law to refit from, and the refit finds the better optimum
    df = task_frame(obs, "m64")[0]
    df = df[df["ckpt_id"].isin(r["fit_ckpts"])]
    m = law.Model(*df[["pretrain_loss", "value", "data_amount"]].T.to_numpy(), 8.0)
    pri = priors_mod.from_data(m.loss, m.y)
    stuck = law.fit_mle(m, pri, n_starts=0, extra_starts=[[9.338774, 0.036794, 0.0]])
    assert stuck["e0"] > 9
    prof = uncertainty.profile_interval(m, pri, stuck)
    assert prof["better"] is not None
    assert law.fit_mle(m, pri, extra_starts=[prof["better"]])["rss"] < stuck["rss"]


def test_a_fit_with_no_interval_at_all_is_not_called_pinned():
    # 'ok' / 'forecast' say the data pin E(D0); with profile, MCMC and bootstrap all off
    # nothing has checked that, so the status must say weak and why
    obs = simulate_obs(N=0, seed=1, losses=np.linspace(2.7, 4.0, 10))  # nothing emerged (E(D0) = C = 2.62)
    r = fit_task(obs, "sim", mcmc=None, bootstrap=None, profile=False)
    assert r["emergence_point_mle"] is not None
    assert r["status"] == "weak" and "no interval" in r["reason"]
    assert fit_task(obs, "sim", mcmc=None, bootstrap=None)["status"] in ("ok", "forecast")


@pytest.mark.parametrize("case", ["contradicted", "rising"])
def test_a_forecast_the_data_contradict_or_a_rise_under_way_is_weak_not_forecast(case):
    # status 'forecast' says: pinned, nothing emerged yet. Not when the law puts emergence
    # before fitted checkpoints that still sit at the floor, nor when the most capable ones
    # already lie well above a floor too short to confirm the rise (t critical values)
    if case == "contradicted":
        obs = simulate_obs(seed=0)
        obs.loc[obs["method"] == "fewshot", "value"] = 0.2
        why = "contradict"
    else:
        obs = simulate_obs(seed=0, losses=np.linspace(2.5, 3.2, 6))
        why = "a rise may be under way"
    r = fit_task(obs, "sim", mcmc=None, bootstrap=None)
    assert r["status"] == "weak" and why in r["reason"], r["reason"]
    assert fit_task(simulate_obs(seed=0, losses=np.linspace(2.95, 4.0, 10)), "sim", mcmc=None,
                    bootstrap=None)["status"] == "forecast"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_elbow_before_every_fitted_checkpoint_counts_only_while_its_curve_still_rises(seed):
    # D = 256 and 1,024 leave the floor before the least capable fitted checkpoint (E = 3.51,
    # 3.73 > 3.5). Rising rows still pin their elbows (the ReLU runs back along the rise);
    # rows already at the ceiling do not: a harness table once read 'ok' at 10.8 nats, every
    # finetuned curve saturated before the first finetuned checkpoint
    obs = simulate_obs(seed=seed, losses=np.linspace(2.5, 3.5, 10), Ds=(16, 64, 256, 1024))
    r = fit_task(obs, "sim", mcmc=None, bootstrap=None)
    assert r["status"] == "ok" and r["n_informative_D"] == 4
    sat = obs["data_amount"] >= 256
    obs.loc[sat, "value"] = 1.0 + 0.01 * np.random.default_rng(seed).standard_normal(sat.sum())
    r = fit_task(obs, "sim", mcmc=None, bootstrap=None)
    assert r["status"] == "unidentifiable" and "show their elbow" in r["reason"], r["reason"]


def test_checkpoints_that_all_share_one_loss_are_named_as_the_reason():
    # the reason used to say "fewer than 2 pre-emergence checkpoints" beside n_ckpts = 10
    obs = simulate_obs(seed=0).assign(pretrain_loss=3.0)
    r = fit_task(obs, "sim", mcmc=None, bootstrap=None)
    assert r["status"] == "unidentifiable" and "same pretraining loss" in r["reason"]
