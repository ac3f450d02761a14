"""Forecast cards (emergence.card): the verdict in words, and the CLI path for observations
made elsewhere."""
import json
import subprocess
import sys

import pytest

from emergence import card, values
from emergence.observations import simulate_obs


def _fit(**kw):
    base = dict(task="t", metric="acc", status="ok", reason=None, emergence_point_mle=3.0, ground_truth=3.02,
                error_nats=0.02, intervals={"profile": {"lo": 2.9, "mid": 3.0, "hi": 3.1}},
                profile_interval={"lo": 2.9, "hi": 3.1}, n_ckpts=8,
                baselines={"trivial": {"E": 3.1, "error": 0.08, "reason": None}})
    return {**base, **kw}


def test_a_law_that_loses_to_the_trivial_forecast_says_so():
    c = card.build(_fit(error_nats=0.05, baselines={"trivial": {"E": 3.03, "error": 0.01, "reason": None}}))
    assert c["verdict"] == "no better than trivial"
    assert "no better than trivial" in card.to_markdown(c) and "NO BETTER THAN TRIVIAL" in card.one_line(c)


def test_a_closer_pinned_law_is_trusted_but_a_tie_is_not_a_win():
    assert card.build(_fit())["verdict"] == "trust"
    tie = _fit(error_nats=0.0799996)  # the trivial forecast's 0.08, to a millionth: the same loss
    assert card.build(tie)["verdict"] == "no better than trivial"


def test_a_pinned_law_past_the_failure_bar_is_missed_even_when_closer_than_trivial():
    c = card.build(_fit(ground_truth=3.15, error_nats=0.15, baselines={"trivial": {"E": 2.85, "error": 0.3}}))
    assert c["verdict"] == "missed" and "0.150" in c["verdict_reason"]


def _cuts(lo, hi):
    return {"lo": lo, "hi": hi, "n": 5, "n_tried": 5, "max_move": hi - lo, "at": 2.9}


def test_a_verdict_that_the_truths_own_spread_could_overturn_says_so():
    # at the reported truth 3.02 the law (3.0) beats the trivial forecast (3.1); a shorter series
    # puts the truth at 3.09, where the trivial forecast is the closer one
    shaky = card.build(_fit(ground_truth_cuts=_cuts(3.02, 3.09)))
    assert shaky["verdict"] == "trust" and shaky["verdict_robust"] is False
    assert "not robust to where the truth lies" in shaky["verdict_reason"] and "3.020-3.090" in shaky["verdict_reason"]
    assert "the truth on shorter series" in card.to_markdown(shaky) and "the truth on shorter series" in card.to_html(shaky)
    steady = card.build(_fit(ground_truth_cuts=_cuts(3.015, 3.03), ground_truth_interval={"lo": 3.01, "hi": 3.025}))
    assert steady["verdict"] == "trust" and steady["verdict_robust"] is True and "robust" not in steady["verdict_reason"]
    # closer than the trivial forecast throughout, but past the bar at the range's far end
    far = card.build(_fit(baselines={"trivial": {"E": 3.3, "error": 0.28}}, ground_truth_cuts=_cuts(2.88, 3.02)))
    assert far["verdict"] == "trust" and far["verdict_robust"] is False
    # the bootstrap interval alone makes a range; a point does not
    assert values.truth_range(_fit(ground_truth_interval={"lo": 2.99, "hi": 3.04})) == (2.99, 3.04)
    assert values.truth_range(_fit()) is None and card.build(_fit())["verdict_robust"] is None
    # a miss that a truth inside its range would have called a hit
    miss = card.build(_fit(ground_truth=3.15, error_nats=0.15, baselines={"trivial": {"E": 2.85, "error": 0.3}},
                           ground_truth_cuts=_cuts(3.05, 3.15)))
    assert miss["verdict"] == "missed" and miss["verdict_robust"] is False
    assert card.build(_fit(status="weak", ground_truth_cuts=_cuts(3.0, 3.2)))["verdict_robust"] is None


def test_no_better_than_trivial_is_robust_only_where_the_law_is_never_closer():
    lose = dict(error_nats=0.05, baselines={"trivial": {"E": 3.03, "error": 0.01}})  # truth 3.02
    assert card.build(_fit(**lose, ground_truth_cuts=_cuts(3.02, 3.04)))["verdict_robust"] is True
    turn = card.build(_fit(**lose, ground_truth_cuts=_cuts(2.98, 3.02)))  # at 2.98 the law (3.0) is closer
    assert turn["verdict"] == "no better than trivial" and turn["verdict_robust"] is False
    # a tie everywhere stays a tie (TIE_NATS), however wide the range
    tie = card.build(_fit(error_nats=0.0195, baselines={"trivial": {"E": 3.0005, "error": 0.0195}},
                          ground_truth_cuts=_cuts(2.95, 3.05)))
    assert tie["verdict"] == "no better than trivial" and tie["verdict_robust"] is True


def test_a_fit_that_saw_rising_checkpoints_is_not_trusted():
    c = card.build(_fit(n_kept_past_truth=2))
    assert c["verdict"] == "weak" and "2 checkpoint(s) past the true emergence point" in c["verdict_reason"]


def test_a_forecast_behind_the_checkpoints_still_at_the_floor_is_not_trusted():
    f = _fit(status="forecast", ground_truth=None, error_nats=None, profile_interval={"lo": 2.95, "hi": 3.1},
             baselines={"trivial": {"E": 2.9, "error": None}})  # fitted down to 2.9, all at the floor
    c = card.build(f)
    assert c["verdict"] == "weak" and "contradict" in c["verdict_reason"]


def test_weak_and_unidentifiable_fits_keep_their_status_as_the_verdict():
    assert card.build(_fit(status="weak", reason="wide"))["verdict"] == "weak"
    c = card.build(_fit(status="unidentifiable", emergence_point_mle=None, reason="flat"))
    assert c["verdict"] == "unidentifiable" and "no prediction" in card.one_line(c)


def test_a_forecast_whose_interval_reaches_the_last_checkpoint_is_no_better_than_trivial():
    f = _fit(status="forecast", ground_truth=None, error_nats=None,
             baselines={"trivial": {"E": 3.05, "error": None, "reason": None}})
    assert card.build(f)["verdict"] == "no better than trivial"
    assert card.build({**f, "profile_interval": {"lo": 3.06, "hi": 3.2}})["verdict"] == "trust"


def test_cli_writes_a_card_for_a_users_own_table(tmp_path):
    obs = tmp_path / "obs.csv"
    simulate_obs(seed=1).to_csv(obs, index=False)
    out = tmp_path / "fit.json"
    r = subprocess.run([sys.executable, "-m", "emergence.fit", str(obs), "--task", "sim", "--out", str(out),
                        "--no-mcmc", "--chance", "0.1666667", "--card"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    c = json.loads((tmp_path / "fit.card.json").read_text())
    assert c["verdict"] in card.VERDICTS and c["next_run"]["best"]["data_amount"] > 0
    assert (tmp_path / "fit.card.md").read_text().startswith("# Forecast card: sim")
    assert r.stdout.startswith("sim: ")


def test_the_card_names_the_data_amounts_that_do_not_rise_by_themselves():
    # a law point for a D whose own rows stay within noise comes from the shared slope: the
    # card must say which ones, and say nothing when every D rises clearly
    c = card.build(_fit(rise_sds={"256": 7.5, "32": 2.1, "64": None}))  # JSON sorts keys as text
    md = card.to_markdown(c)
    assert "1 of 3 data amounts rise clearly" in md and "D = 32, 64 " in md
    assert "rise clearly" in card.to_html(c)
    assert "rise clearly" not in card.to_markdown(card.build(_fit(rise_sds={"32": 5.0, "64": 9.0})))


def test_the_fit_reports_each_data_amounts_own_rise():
    from emergence.fit import fit_task

    obs = simulate_obs(seed=2)  # elbows of D = 4 ... 1024 spread over the checkpoints
    r = fit_task(obs, "sim", mcmc=None, bootstrap=None)
    assert set(r["rise_sds"]) == {"4", "16", "64", "256", "1024"}
    assert r["rise_sds"]["1024"] > 4.0


def test_summary_cli_reads_only_under_results_and_says_what_it_expected(tmp_path, capsys):
    cards = tmp_path / "results" / "run1" / "cards"
    cards.mkdir(parents=True)
    (cards / "summary.txt").write_text("rule: TRUST - emergence at loss 2.9\n")
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text("name: run1\n")
    assert card.main([str(good), str(tmp_path)]) == 0
    assert "rule: TRUST" in capsys.readouterr().out
    # a name that is a path (or none) read outside results/ and said "no cards" with exit 0
    for name in ("../../etc", "[a, b]", "null"):
        bad.write_text(f"name: {name}\n")
        assert card.main([str(bad), str(tmp_path)]) == 2
        assert "field 'name'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:  # --help was read as a config path
        card.main(["--help"])
    assert e.value.code == 0 and "config" in capsys.readouterr().out
    with pytest.raises(SystemExit) as e:  # extra arguments were ignored
        card.main([str(good), str(tmp_path), "extra"])
    assert e.value.code == 2
