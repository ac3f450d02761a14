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
