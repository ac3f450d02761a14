"""The simpler forecasts the law is scored against (emergence.baselines), on fixtures with
a known answer, and their place in a fit."""
import numpy as np
import pandas as pd

from emergence import baselines, fit
from emergence.observations import simulate_obs


def test_trivial_is_the_most_capable_fitted_checkpoint():
    assert baselines.trivial([3.4, 3.1, 3.25])["E"] == 3.1
    assert baselines.trivial([])["E"] is None


def test_fewshot_only_finds_an_elbow_in_rising_rows_and_none_in_flat_ones():
    L = np.linspace(3.6, 3.0, 13)
    y = 0.2 + 0.8 * np.maximum(0, 3.2 - L)
    assert abs(baselines.fewshot_only(L, y)["E"] - 3.2) < 1e-3
    flat = baselines.fewshot_only(L, np.full_like(L, 0.2))
    assert flat["E"] is None and "never rise" in flat["reason"]


def _two_step_rows(L_fs, chance=0.2):
    # metric x = -2 + 1.5 (3.5 - L) on few-shot rows, finetuning adds 0.4 * log2(D / 16);
    # accuracy = chance + 0.8 * sigmoid((x + 0.5) / 0.1): the map the baseline must recover
    def acc(x):
        return chance + (1 - chance) / (1 + np.exp(-(x + 0.5) / 0.1))
    rows = []
    for i, L in enumerate(L_fs):
        for D in (0, 32, 128, 512):
            x = -2 + 1.5 * (3.5 - L) + (0.4 * np.log2(D / 16) if D else 0)
            rows.append(dict(ckpt_id=f"c{i}", pretrain_loss=L, data_amount=D, value=acc(x), logprob_norm=x))
    return pd.DataFrame(rows), acc


def test_two_step_recovers_the_elbow_of_a_known_chain():
    L_fit = np.linspace(3.5, 2.8, 8)
    rows, acc = _two_step_rows(L_fit)
    everywhere = np.linspace(3.5, 2.0, 31)
    truth = fit.law.fit_relu(everywhere, acc(-2 + 1.5 * (3.5 - everywhere)))["E"]
    got = baselines.two_step(rows, 0.2, all_losses=everywhere)
    assert abs(got["E"] - truth) < 0.02, (got, truth)


def test_two_step_says_why_without_the_continuous_metric():
    rows, _ = _two_step_rows(np.linspace(3.5, 2.8, 8))
    got = baselines.two_step(rows.drop(columns="logprob_norm"), 0.2)
    assert got["E"] is None and "logprob_norm" in got["reason"]


def test_a_fit_scores_every_baseline_against_the_same_truth():
    obs = simulate_obs(seed=3)
    r = fit.fit_task(obs, "sim", chance=0.25, mcmc=None, bootstrap=None)
    b = r["baselines"]
    assert set(b) == set(baselines.NAMES)
    assert abs(b["trivial"]["error"] - abs(b["trivial"]["E"] - r["ground_truth"])) < 1e-6
    assert r["beats_trivial"] == (r["error_nats"] < b["trivial"]["error"])


def test_two_step_handles_a_metric_outside_0_1_and_no_chance():
    rows, _ = _two_step_rows(np.linspace(3.5, 2.8, 8))
    scaled = rows.assign(value=2 + 3 * rows["value"])  # e.g. a score on another scale
    assert baselines.two_step(scaled, 2 + 3 * 0.2)["E"] is not None
    assert baselines.two_step(rows, None)["E"] is None


def test_passuntil_extrapolates_the_pass_rate_law_to_the_emergence_level():
    # PU(L) = exp(-c L^-alpha) with c = 3e-9, alpha = -20: pass rates 1e-4 .. 1e-2 on the fitted
    # checkpoints; the level 0.05 is reached at L* = (-log 0.05 / c)^(1 / -alpha), past them
    c, alpha = 3e-9, -20.0
    L = np.linspace(3.3, 3.0, 6)
    pu = np.exp(-c * L ** -alpha)
    truth = (-np.log(0.05) / c) ** (1 / -alpha)
    got = baselines.passuntil(L, pu, 0.1 * pu, 0.05)
    assert got["E"] < L.min() and abs(got["E"] - truth) < 1e-6, (got, truth)
    # what it cannot do, it says
    assert baselines.passuntil([], [], [], 0.05)["E"] is None
    assert "needs 3" in baselines.passuntil(L[:2], pu[:2], None, 0.05)["reason"]
    assert "do not rise" in baselines.passuntil(L, pu[::-1], None, 0.05)["reason"]


def test_a_fit_scores_passuntil_on_the_fitted_checkpoints_only():
    from emergence.collect import passuntil_rows
    obs = simulate_obs(seed=3)
    kept = fit.fit_task(obs, "sim", chance=0.25, mcmc=None, bootstrap=None)["fit_ckpts"]
    ck = obs.drop_duplicates("ckpt")[["ckpt", "pretrain_loss"]]
    fitted = ck["ckpt"].isin(kept)
    # a pass-rate law on the fitted checkpoints, nonsense elsewhere: only fitted ones may count
    law_pu = np.exp(-np.exp(2.0 + 6.0 * np.log(ck["pretrain_loss"] / 3.0)))
    pu = np.where(fitted, law_pu, 0.5)
    rows = passuntil_rows(pd.DataFrame({"ckpt": ck["ckpt"], "pu": pu, "se": 0.1 * pu}), "sim", 0)
    meta = obs.drop_duplicates("ckpt").drop(columns=["task", "method", "data_amount", "subset_sample", "num_fewshot",
                                                     "metric", "value", "stderr"], errors="ignore")
    r = fit.fit_task(pd.concat([obs, rows.merge(meta, on="ckpt")], ignore_index=True), "sim", chance=0.25,
                     mcmc=None, bootstrap=None)
    assert r["metric"] != "pass_rate"  # an auxiliary metric is never the task's own
    p = r["baselines"]["passuntil"]
    expect = baselines.passuntil(ck.loc[fitted, "pretrain_loss"], law_pu[fitted], None,
                                 r["floor"] + 3 * r["floor_noise"])
    # the fit rounds E and the level it reads at to 6 decimals
    assert p["E"] is not None and abs(p["E"] - expect["E"]) < 1e-5, (p, expect)
    assert abs(p["error"] - abs(p["E"] - r["ground_truth"])) < 1e-5
