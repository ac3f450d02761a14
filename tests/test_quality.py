"""The data-quality comparison (emergence.quality): predicted and observed emergence of two
runs in training FLOPs, and a verdict that says when the predicted order is wrong."""
import re

import numpy as np
import pandas as pd

from emergence import quality


def _run(name, emerge_flops, pred_flops):
    """A run whose loss follows 2 + 30 (C / 1e9)^-0.5 over 14 checkpoints; emergence (truth)
    at the loss reached at emerge_flops, the fit's MLE at the loss of pred_flops."""
    C = np.geomspace(1e10, 2e12, 14)
    L = 2.0 + 30.0 * (C / 1e9) ** -0.5
    ck = pd.DataFrame({"ckpt": [f"{name}-m-step{i}" for i in range(14)], "series": "toy", "size": "m",
                       "flops": C, "pretrain_loss": L})

    def loss(c):
        return 2.0 + 30.0 * (c / 1e9) ** -0.5

    pre = ck[ck["flops"] < emerge_flops]["ckpt"].tolist()
    fit = {"emergence_point_mle": loss(pred_flops), "ground_truth": loss(emerge_flops), "status": "ok",
           "fit_ckpts": pre, "percentiles": {"p5": loss(pred_flops) - 0.02, "p95": loss(pred_flops) + 0.02}}
    return quality.one_run(name, fit, ck, "m")


def test_the_better_corpus_is_predicted_first_with_the_ratio_measured():
    good, bad = _run("good", 2e11, 2.1e11), _run("bad", 6e11, 5.5e11)
    assert abs(good["flops_true"] / 2e11 - 1) < 0.05 and abs(good["flops_pred"] / 2.1e11 - 1) < 1e-3
    assert good["flops_lo"] < good["flops_pred"] < good["flops_hi"]
    r = quality.compare([good, bad])
    assert r["predicted_first"] == "good" and r["observed_first"] == "good" and r["order_right"]
    assert abs(r["ratio_pred"] - 5.5 / 2.1) < 1e-2 and abs(r["ratio_true"] - 3.0) < 0.15
    assert "right order" in r["verdict"] and r["ratio_true_range"] is None  # no truth ranges: none claimed


def test_the_observed_order_says_when_the_truths_ranges_allow_either():
    def widen(run, lo_f, hi_f):  # a truth anywhere between the losses reached at hi_f and lo_f FLOPs
        return dict(run, flops_true_early=lo_f, flops_true_late=hi_f)

    good, bad = _run("good", 2e11, 2.1e11), _run("bad", 6e11, 5.5e11)
    apart = quality.compare([widen(good, 1.8e11, 2.2e11), widen(bad, 5e11, 7e11)])
    assert apart["ratio_true_range"] == (5e11 / 2.2e11, 7e11 / 1.8e11) and "either order" not in apart["verdict"]
    either = quality.compare([widen(good, 1.8e11, 7e11), widen(bad, 5e11, 7e11)])
    assert either["ratio_true_range"][0] < 1 and "either order" in either["verdict"]
    # observed the other way round wherever the truths lie: a wrong order, not "either order"
    wrong = quality.compare([widen(_run("a", 2e11, 7e11), 1.8e11, 2.2e11), widen(_run("b", 6e11, 3e11), 5e11, 7e11)])
    assert wrong["ratio_true_range"][1] < 1 and "either order" not in wrong["verdict"] and "WRONG" in wrong["verdict"]


def test_each_runs_truth_range_becomes_a_range_of_flops():
    C = np.geomspace(1e10, 2e12, 14)
    ck = pd.DataFrame({"ckpt": [f"c{i}" for i in range(14)], "series": "toy", "size": "m", "flops": C,
                       "pretrain_loss": 2.0 + 30.0 * (C / 1e9) ** -0.5})
    t = 2.0 + 30.0 * (6e11 / 1e9) ** -0.5
    fit = {"emergence_point_mle": t, "ground_truth": t, "status": "ok", "fit_ckpts": ["c0", "c1", "c2", "c3"],
           "ground_truth_cuts": {"lo": t - 0.05, "hi": t + 0.05, "n": 4}}
    r = quality.one_run("r", fit, ck, "m")
    # a higher loss is reached earlier in training: the range's high end gives the fewest FLOPs
    assert r["flops_true_early"] < r["flops_true"] < r["flops_true_late"]
    assert quality.one_run("r", dict(fit, ground_truth_cuts=None), ck, "m")["flops_true_early"] is None


def test_a_wrong_order_is_said_plainly():
    r = quality.compare([_run("a", 2e11, 7e11), _run("b", 6e11, 3e11)])
    assert r["predicted_first"] == "b" and r["observed_first"] == "a" and r["order_right"] is False
    assert "WRONG order" in r["verdict"] and r["ratio_true"] < 1  # observed, in the predicted order
    md = quality.to_markdown(r, "m")
    assert "WRONG order" in md and md.count("\n| ") == 3  # header + one row per run
    page = quality.to_html(r, "m")  # the report's item: the verdict first, then a row per run
    assert page.index("WRONG order") < page.index("<table") and page.count("<tr") == 3
    assert "e+11</td>" in page and not re.search(r"\d{9}", page)  # FLOPs in scientific notation, not 700000000000.000


def test_a_forecast_before_emergence_is_scored_against_the_longer_run():
    from emergence import future

    C = np.geomspace(1e10, 2e12, 14)
    ck = pd.DataFrame({"ckpt": [f"c{i}" for i in range(14)], "series": "toy", "size": "m", "flops": C,
                       "pretrain_loss": 2.0 + 30.0 * (C / 1e9) ** -0.5})
    short = ck[ck["flops"] < 3e11]  # stopped before emergence at 6e11
    e = 2.0 + 30.0 * (5e11 / 1e9) ** -0.5  # forecast: 5e11, a little early
    fit = {"emergence_point_mle": e, "status": "forecast", "baselines": {"trivial": {"E": float(short.pretrain_loss.min())}},
           "intervals": {"MCMC": {"lo": e - 0.15, "mid": e, "hi": e + 0.15},
                         "profile": {"lo": e - 0.01, "mid": e, "hi": e + 0.01}},
           "percentiles": {"p5": e - 0.05, "p95": e + 0.05}}
    longer = {"ground_truth": 2.0 + 30.0 * (6e11 / 1e9) ** -0.5}
    c = future.check(fit, short, longer, ck, "m")
    assert abs(c["flops_pred"] / 5e11 - 1) < 0.01 and abs(c["flops_true"] / 6e11 - 1) < 0.05
    assert c["covered"] == {"MCMC": True, "profile": False}
    assert c["error"] < c["trivial_error"]
    assert "profile misses" in c["verdict"] and "0.8" in c["verdict"]  # forecast/reached ~ 0.83x
    assert "profile | " in future.to_markdown(c)
    page = future.to_html(c)  # the report's item: the verdict first, then whether each interval covered
    assert page.index("profile misses") < page.index("<table") and page.count("<tr") == 3
    assert c["truth_range"] is None and "anywhere in" not in c["verdict"]  # no range measured: none claimed
    t = longer["ground_truth"]
    ranged = future.check(fit, short, dict(longer, ground_truth_cuts={"lo": t, "hi": t + 0.2, "n": 4}), ck, "m")
    assert ranged["truth_range"] == (t, t + 0.2) and f"anywhere in {t:.3f}-{t + 0.2:.3f}" in ranged["verdict"]
    # the forecast lies inside the range (0.117 nats above t): off by 0 to its distance from the nearer end... far end
    assert f"off by 0.000-{max(e - t, t + 0.2 - e):.3f}" in ranged["verdict"]
    triv = float(short.pretrain_loss.min())  # above the range: off by its distances to the two ends
    assert f"the trivial forecast by {triv - t - 0.2:.3f}-{triv - t:.3f}" in ranged["verdict"]


def test_a_prediction_below_the_runs_loss_asymptote_is_named_not_silently_dropped():
    good = _run("good", 2e11, 2.1e11)
    C = np.geomspace(1e10, 2e12, 14)
    ck = pd.DataFrame({"ckpt": [f"c{i}" for i in range(14)], "series": "toy", "size": "m", "flops": C,
                       "pretrain_loss": 2.0 + 30.0 * (C / 1e9) ** -0.5})
    fit = {"emergence_point_mle": 1.1, "ground_truth": 2.5, "status": "weak", "fit_ckpts": ck["ckpt"].tolist()[:8]}
    low = quality.one_run("low", fit, ck, "m")
    assert low["flops_pred"] is None and "asymptote" in low["flops_reason"]
    r = quality.compare([good, low])
    assert r["predicted_first"] is None and "low: the predicted loss lies below" in r["verdict"]


def test_the_quality_figure_draws_when_an_mle_lies_outside_its_own_interval(tmp_path):
    from emergence import figures

    good, bad = _run("good", 2e11, 2.1e11), _run("bad", 6e11, 5.5e11)
    bad["flops_lo"], bad["flops_hi"] = 6e11, 9e11  # the posterior interval above the MLE (seed 2 of the toy)
    r = quality.compare([good, bad])
    obs = {n: pd.DataFrame({"task": "rule", "metric": "acc", "method": "fewshot", "size": "m", "num_fewshot": 2,
                            "flops": np.geomspace(1e10, 2e12, 6), "value": np.linspace(0.17, 0.8, 6)})
           for n in ("good", "bad")}
    fig = figures.fig_quality(r, obs, "rule", "m", "acc", chance=1 / 6)
    assert fig is not None
    figures.save(fig, str(tmp_path / "q.png"))


def test_a_case_study_without_its_other_run_stops_in_one_line_naming_the_field(tmp_path):
    import pytest

    from emergence import layout, other_run

    paths = layout.other_run("never_run_here", "rule")
    assert paths["fit"] == "results/never_run_here/fits/rule.json"
    with pytest.raises(SystemExit, match=r"quality.baseline 'never_run_here': results/never_run_here/fits/rule.json "
                                         r"not found; run that config first"):
        other_run.read(paths, "quality.baseline 'never_run_here'")


def test_an_interval_end_without_flops_is_named_not_dashed():
    r = quality.compare([_run("a", 2e11, 7e11), _run("b", 6e11, 3e11)])
    r["runs"][0]["flops_hi"] = None
    md = quality.to_markdown(r, "m")
    row = [line for line in md.splitlines() if line.startswith("| a |")][0]
    assert "to beyond the law" in row and "--" not in row


def test_overlapping_intervals_claim_no_order():
    r = quality.compare([_run("a", 2e11, 3.0e11), _run("b", 6e11, 3.1e11)])
    assert r["confident"] is False and "no confident order" in r["verdict"]
    assert quality.compare([_run("a", 2e11, 2.1e11), _run("b", 6e11, 5.5e11)])["confident"] is True


def test_another_runs_broken_files_stop_with_one_line(tmp_path):
    import json

    import pytest

    from emergence import other_run

    paths = {"fit": tmp_path / "fit.json", "checkpoints": tmp_path / "ck.csv", "observations": tmp_path / "obs.csv"}
    paths["fit"].write_text(json.dumps({"task": "rule"}))
    paths["observations"].write_text("task,value\nrule,0.2\n")
    paths["checkpoints"].write_text("ckpt,size,pretrain_loss\nc0,m,3.0\n")  # no flops
    with pytest.raises(SystemExit, match="quality.baseline 'toy': .*ck.csv lacks column.s. flops"):
        other_run.read({k: str(v) for k, v in paths.items()}, "quality.baseline 'toy'")
    paths["fit"].write_text("[1, 2]")
    paths["checkpoints"].write_text("ckpt,size,flops,pretrain_loss\nc0,m,1e9,3.0\n")
    with pytest.raises(SystemExit, match="is not a fit"):
        other_run.read({k: str(v) for k, v in paths.items()}, "quality.baseline 'toy'")


def test_flops_that_do_not_grow_give_no_forecast_in_compute():
    from emergence import horizon

    C = np.geomspace(1e10, 2e12, 14)
    ck = pd.DataFrame({"ckpt": [f"c{i}" for i in range(14)], "series": "toy", "size": "m", "flops": 0.0,
                       "pretrain_loss": 2.0 + 30.0 * (C / 1e9) ** -0.5})
    assert horizon.flops_forecast(ck, {"emergence_point_mle": 2.5}, size="m") is None
    assert horizon.flops_at_loss(ck.assign(pretrain_loss="abc"), "m", 2.5) is None


def test_a_forecast_in_compute_uses_only_the_fits_own_checkpoints():
    from emergence import horizon

    C = np.geomspace(1e10, 2e12, 14)
    ck = pd.DataFrame({"ckpt": [f"c{i}" for i in range(14)], "series": "toy", "size": "m", "flops": C,
                       "pretrain_loss": 2.0 + 30.0 * (C / 1e9) ** -0.5})
    fit = {"emergence_point_mle": 2.6, "fit_ckpts": [f"toy/c{i}" for i in range(8)]}
    later = ck.assign(pretrain_loss=np.where(np.arange(14) >= 8, ck["pretrain_loss"] - 0.3, ck["pretrain_loss"]))
    # what the run did after emergence (here: a sudden drop) cannot move the forecast
    assert horizon.flops_forecast(later, fit, size="m")["flops_mle"] == \
        horizon.flops_forecast(ck.iloc[:8], fit, size="m")["flops_mle"]


def test_no_order_is_claimed_without_both_intervals_or_against_them():
    good, bad = _run("good", 2e11, 2.1e11), _run("bad", 6e11, 5.5e11)
    r = quality.compare([good, {**bad, "flops_lo": None, "flops_hi": None, "flops_interval": False}])
    assert r["confident"] is False and "a run has no 90 % FLOPs interval" in r["verdict"]
    assert "the MLEs: right order" in r["verdict"]
    flipped = {**good, "flops_lo": 7e11, "flops_hi": 8e11}  # its interval lies past the other's
    assert "disagree" in quality.compare([flipped, bad])["verdict"]


def _other_run_files(tmp_path, fit=None):
    """A small but complete 'other run' on disk: fit JSON, checkpoints and observations."""
    import json

    from emergence.observations import simulate_obs

    obs = simulate_obs(task="rule")
    ck = obs.drop_duplicates("ckpt")[["ckpt", "size", "pretrain_loss"]].assign(flops=1e12)
    paths = {"fit": tmp_path / "fit.json", "checkpoints": tmp_path / "ck.csv", "observations": tmp_path / "obs.csv"}
    paths["fit"].write_text(json.dumps(fit or {"task": "rule", "metric": "acc", "ground_truth": 2.6,
                                               "emergence_point_mle": 2.7}))
    ck.to_csv(paths["checkpoints"], index=False)
    obs.to_csv(paths["observations"], index=False)
    return {k: str(v) for k, v in paths.items()}, ck


def test_another_runs_files_must_be_of_this_task_and_hold_numbers(tmp_path):
    import pytest

    from emergence import other_run

    paths, ck = _other_run_files(tmp_path)
    fit, ck2, obs = other_run.read(paths, "future.longer 'toy'", task="rule", metric="acc")
    assert fit["ground_truth"] == 2.6 and len(ck2) == len(ck)
    # a fit of another task or metric was scored as if it were this one
    with pytest.raises(SystemExit, match="future.longer 'toy': .*fit of task 'rule', expected 'rule_gen'"):
        other_run.read(paths, "future.longer 'toy'", task="rule_gen")
    with pytest.raises(SystemExit, match="fit of metric 'acc', expected 'exact_match'"):
        other_run.read(paths, "future.longer 'toy'", metric="exact_match")
    # NaN read as "not emerged"
    _other_run_files(tmp_path, {"task": "rule", "metric": "acc", "ground_truth": float("nan")})
    with pytest.raises(SystemExit, match="ground_truth is nan, expected a finite number or null"):
        other_run.read(paths, "future.longer 'toy'", task="rule")
    # a checkpoints table cut short lacks checkpoints the observations have
    paths, ck = _other_run_files(tmp_path)
    ck.iloc[:4].to_csv(paths["checkpoints"], index=False)
    with pytest.raises(SystemExit, match="ck.csv lacks 6 checkpoint.s. its observations have .first: c04.; a truncated"):
        other_run.read(paths, "quality.baseline 'toy'")
    # observations the fit could not read: one line, not a KeyError in the figure
    paths, ck = _other_run_files(tmp_path)
    pd.read_csv(paths["observations"]).drop(columns="task").to_csv(paths["observations"], index=False)
    with pytest.raises(SystemExit, match="obs.csv: missing column.s. task"):
        other_run.read(paths, "quality.baseline 'toy'")


def test_a_longer_run_must_be_the_same_models():
    import pytest

    from emergence import other_run

    own = pd.DataFrame({"ckpt": ["a", "b"], "size": "m", "pretrain_loss": [3.1, 3.0]})
    longer = pd.DataFrame({"ckpt": ["a", "b", "c"], "size": "m", "pretrain_loss": [3.1, 3.0, 2.9]})
    assert other_run.same_models(own, longer, "future.longer 'toy'") == 2
    assert other_run.same_models(own, longer.assign(ckpt=["x", "y", "z"]), "future.longer 'big'") == 0  # larger series
    with pytest.raises(SystemExit, match="future.longer 'toy_quality': checkpoint b has pretrain_loss 3 here and 2.8 "
                                         "there: not the same models"):
        other_run.same_models(own, longer.assign(pretrain_loss=[3.1, 2.8, 2.7]), "future.longer 'toy_quality'")


def test_a_longer_run_must_count_the_same_flops_where_both_know_them():
    import pytest

    from emergence import other_run

    own = pd.DataFrame({"ckpt": ["a", "b"], "size": "m", "pretrain_loss": [3.1, 3.0], "flops": [1e12, 2e12]})
    longer = own.assign(flops=[1e12, 2e12])
    assert other_run.same_models(own, longer, "future.longer 'toy'") == 2
    assert other_run.same_models(own, longer.assign(flops=float("nan")), "future.longer 'hub'") == 2  # unknown there
    with pytest.raises(SystemExit, match="future.longer 'toy': checkpoint a has flops 1.1e.12 here and 1e.12 there: "
                                         "check params and tokens_per_step"):
        other_run.same_models(own.assign(flops=[1.1e12, 2.2e12]), longer, "future.longer 'toy'")


def test_another_runs_unknown_flops_are_allowed_but_not_text(tmp_path):
    import pytest

    from emergence import other_run

    paths, ck = _other_run_files(tmp_path)
    ck.assign(flops=float("nan")).to_csv(paths["checkpoints"], index=False)  # a hub series without tokens
    other_run.read(paths, "quality.baseline 'hub'")
    ck.assign(flops="lots").to_csv(paths["checkpoints"], index=False)
    with pytest.raises(SystemExit, match="column flops has non-numeric, infinite or negative values"):
        other_run.read(paths, "quality.baseline 'hub'")
