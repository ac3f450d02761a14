import numpy as np
import pandas as pd
import pytest

from emergence import tables
from emergence.fit import fit_task, simulate_obs, task_frame

SPEC_ROWS = ["Full Data", "-1 Smallest Subset", "-2 Smallest Subset", "-3 Smallest Subset",
             "-1 Largest Subset", "-2 Largest Subset", "-3 Largest Subset", "Only Subset Sample 1",
             "Only Subset Sample 2", "Last 6 Checkpoints", "Last 5 Checkpoints", "Last 4 Checkpoints",
             "Last 3 Checkpoints", "Last 6, Every Other Even", "Last 6, Every Other Odd",
             "-1 Last Checkpoints", "-2 Last Checkpoints", "-3 Last Checkpoints", "-4 Last Checkpoints"]


@pytest.fixture(scope="module")
def obs():
    return simulate_obs(sigma=0.01, A_fs=1.0, seed=0, losses=np.linspace(2.5, 4.0, 12))


def test_every_table2_row_filters_what_it_says(obs):
    rows = tables.holdout_rows()
    assert list(rows) == SPEC_ROWS
    df = task_frame(obs, "sim")[0]
    df = df[df.pretrain_loss > 3.0]  # a pre-emergence set: 8 checkpoints
    ft = df.data_amount > 0
    Ds = [4, 16, 64, 256, 1024]
    by_cap = df.groupby("ckpt_id").pretrain_loss.mean().sort_values().index.tolist()  # most capable first
    assert len(by_cap) == 8

    def Dset(d):
        return sorted(d.loc[d.data_amount > 0, "data_amount"].unique().tolist())

    def ckpts(d):
        return set(d.ckpt_id)

    for name, f in rows.items():
        out = f(df)
        assert set(out.index) <= set(df.index), name
        if name == "Full Data":
            assert out.equals(df)
        elif "Smallest Subset" in name or "Largest Subset" in name:
            k = int(name[1])
            assert Dset(out) == (Ds[k:] if "Smallest" in name else Ds[:-k]), name
            assert (out.data_amount == 0).sum() == (~ft).sum()  # few-shot rows stay
            assert ckpts(out) == ckpts(df)
        elif name.startswith("Only Subset Sample"):
            s = int(name[-1])
            assert set(out.loc[out.data_amount > 0, "subset_sample"]) == {s}
            assert len(out) == (~ft).sum() + (ft & (df.subset_sample == s)).sum()
        elif name.startswith("Last 6, Every Other"):
            want = by_cap[:6][0::2] if name.endswith("Even") else by_cap[:6][1::2]
            assert ckpts(out) == set(want) and len(want) == 3
        elif name.startswith("Last"):
            k = int(name.split()[1])
            assert ckpts(out) == set(by_cap[:k]), name
            assert len(out) == df.ckpt_id.isin(by_cap[:k]).sum()
        elif name.endswith("Last Checkpoints"):
            k = int(name[1])
            assert ckpts(out) == set(by_cap[k:]), name
        else:
            raise AssertionError(f"untested row {name}")


def test_holdout_ablation_runs(obs):
    t = tables.holdout_ablation(obs, "sim", mcmc=None, chance=1 / 6)
    assert t.ablation.tolist() == SPEC_ROWS
    for c in ["task", "ablation", "n_ckpts", "n_rows", "emergence_point_mle", "ground_truth", "error_nats",
              "err_p5", "err_p95", "failed", "status"]:
        assert c in t.columns
    assert t.ground_truth.nunique() == 1  # always from all few-shot rows
    full = t.set_index("ablation")
    assert full.loc["Full Data", "status"] == "ok" and full.loc["Full Data", "error_nats"] < 0.03
    assert full.loc["Last 3 Checkpoints", "n_ckpts"] == 3
    assert full.loc["-2 Last Checkpoints", "n_ckpts"] == full.loc["Full Data", "n_ckpts"] - 2
    assert full.loc["Only Subset Sample 1", "n_rows"] < full.loc["Full Data", "n_rows"]
    # statuses are honest: a number is reported exactly when the fit is identified
    assert (t.emergence_point_mle.isna() == (t.status == "unidentifiable")).all()
    md = tables.to_markdown(t[["ablation", "error_nats", "failed"]])
    assert md.count("\n") == len(t) + 2 and md.startswith("| ablation | error_nats | failed |")


def test_sample_rows_are_not_applicable_with_one_draw_of_data(obs):
    # with one draw a D, 'Only Subset Sample 1' is Full Data again and 'Sample 2' has no
    # finetuned row: scored, they would count Full Data twice and a failure that is not one
    one = obs[(obs.data_amount == 0) | (obs.subset_sample == 1)]
    names = ["Full Data", "Only Subset Sample 1", "Only Subset Sample 2", "-1 Last Checkpoints"]
    t = tables.holdout_ablation(one, "sim", mcmc=None, chance=1 / 6, rows=names).set_index("ablation")
    na = t.loc[["Only Subset Sample 1", "Only Subset Sample 2"]]
    assert (na.status == tables.NOT_APPLICABLE).all()
    assert na[["emergence_point_mle", "error_nats", "trivial_error", "n_rows"]].isna().all().all()
    assert "Full Data again" in na.reason.iloc[0] and "no draw 2" in na.reason.iloc[1]
    assert t.loc["Full Data", "status"] == "ok" and t.loc["-1 Last Checkpoints", "error_nats"] >= 0
    card = tables.scorecard_summary(tables.scorecard(t.reset_index())).set_index("forecast")
    assert card.loc["law", "rows_scored"] == 2 and card.loc["trivial", "rows_scored"] == 2
    assert card.loc["law", "rows"] == 2  # n/a rows are not rows the law could have missed
    # with two draws the same rows are fitted, each on its own draw
    two = tables.holdout_ablation(obs, "sim", mcmc=None, chance=1 / 6, rows=names).set_index("ablation")
    assert (two.status != tables.NOT_APPLICABLE).all()
    assert two.loc["Only Subset Sample 2", "n_rows"] < two.loc["Full Data", "n_rows"]


def test_sample_rows_follow_the_draws_of_the_pre_emergence_rows(obs):
    # a second draw made only where the task has emerged is no second draw for the fit
    pre = fit_task(obs, "sim", chance=1 / 6)["fit_ckpts"]
    ids = task_frame(obs, "sim")[0]["ckpt_id"].to_numpy()
    late = obs[~((obs.subset_sample == 2) & pd.Series(ids, index=obs.index).isin(pre))]
    names = ["Only Subset Sample 1", "Only Subset Sample 2", "Last 6, Every Other Odd"]
    t = tables.holdout_ablation(late, "sim", mcmc=None, chance=1 / 6, rows=names).set_index("ablation")
    assert (t.loc[names[:2], "status"] == tables.NOT_APPLICABLE).all()
    assert "pre-emergence rows have one (draw 1)" in t.loc["Only Subset Sample 1", "reason"]
    assert t.loc["Last 6, Every Other Odd", "status"] != tables.NOT_APPLICABLE
    # one checkpoint given by the caller: 'Every Other Odd' keeps none of it, 'Even' all of it
    one = tables.holdout_ablation(obs, "sim", mcmc=None, chance=1 / 6, fit_ckpts=pre[-1:],
                                  rows=["Last 6, Every Other Even", "Last 6, Every Other Odd"])
    assert (one.status == tables.NOT_APPLICABLE).all()


def test_checkpoint_rows_beyond_the_pre_emergence_set_are_not_applicable():
    # a dense series asks for '-24' (fit.last_checkpoints) whatever a task's set: holding out
    # all of it leaves no forecast to fail, and keeping all of it is Full Data again
    few = simulate_obs(sigma=0.01, A_fs=1.0, seed=0, losses=np.linspace(2.5, 4.0, 7))
    n = int(tables.holdout_ablation(few, "sim", mcmc=None, chance=1 / 6, rows=["Full Data"]).n_ckpts.iloc[0])
    assert n == 5
    names = ["Last 6 Checkpoints", "Last 5 Checkpoints", "Last 4 Checkpoints", "-4 Last Checkpoints",
             "-5 Last Checkpoints", "-8 Last Checkpoints"]
    t = tables.holdout_ablation(few, "sim", mcmc=None, chance=1 / 6, rows=names).set_index("ablation")
    na = ["Last 6 Checkpoints", "Last 5 Checkpoints", "-5 Last Checkpoints", "-8 Last Checkpoints"]
    assert (t.loc[na, "status"] == tables.NOT_APPLICABLE).all() and t.loc[na, "error_nats"].isna().all()
    assert "Full Data again" in t.loc["Last 5 Checkpoints", "reason"]
    # one checkpoint left, or four of five kept: fitted (a forecast from one checkpoint is a real miss)
    assert t.loc["-4 Last Checkpoints", "n_ckpts"] == 1 and t.loc["Last 4 Checkpoints", "n_ckpts"] == 4
    assert (t.drop(index=na).status != tables.NOT_APPLICABLE).all()


def test_other_tables(obs):
    ff = tables.functional_form_table(obs, "sim", mcmc=None, chance=1 / 6)
    assert ff.variant.tolist() == ["log_power", "power", "no_fewshot"]
    # drawn from the log power law: the two forms of it fit; the power law bends through the
    # elbows, which the lack-of-fit test says rather than reporting its narrow interval as ok
    assert ff.status.tolist() == ["ok", "weak", "ok"]
    assert "does not describe how the elbow moves with D" in fit_task(obs, "sim", variant="power", chance=1 / 6)["reason"]
    d0 = tables.d0_sweep_table(obs, "sim", mcmc=None, chance=1 / 6)
    assert d0.d0.tolist() == [6, 12, 30, 60, 120, 300]
    e = d0.emergence_point_mle.to_numpy()
    assert np.all(np.diff(e) > 0)  # more data moves emergence to higher loss
    u = tables.uncertainty_table(obs, "sim", mcmc=dict(nsteps=800), bootstrap=dict(n=12), chance=1 / 6)
    assert {"mcmc_p5", "mcmc_p95", "boot_p50", "emergence_point_mle", "ground_truth"} <= set(u.columns)
    assert u.mcmc_p5[0] < u.emergence_point_mle[0] < u.mcmc_p95[0]


def test_to_markdown_formats():
    df = pd.DataFrame({"a": ["x|y", "z"], "b": [0.12345, None], "c": [True, np.nan]})
    assert tables.to_markdown(df) == "| a | b | c |\n|---|---|---|\n| x\\|y | 0.123 | yes |\n| z | - | - |\n"


def test_table2_scores_the_trivial_forecast_on_the_same_rows():
    obs = simulate_obs(sigma=0.01, A_fs=1.0, seed=0, losses=np.linspace(2.5, 4.0, 12))
    t = tables.holdout_ablation(obs, "sim", mcmc=None, chance=1 / 6)
    full = t[t.ablation == "Full Data"].iloc[0]
    r = fit_task(obs, "sim", chance=1 / 6)
    fitted = obs[(obs.method == "fewshot") & obs.ckpt.isin(r["fit_ckpts"])]
    assert full.trivial_error == pytest.approx(abs(fitted.pretrain_loss.min() - r["ground_truth"]), abs=1e-6)
    assert bool(full.beats_trivial) == (full.error_nats < full.trivial_error)
    # holding out the most capable checkpoints moves the trivial forecast back by as much
    far = t[t.ablation == "-3 Last Checkpoints"].iloc[0]
    assert far.trivial_error > full.trivial_error


def test_paper_tables_read_table3_from_the_fit_stage_and_give_each_task_its_own_options(obs):
    from emergence.io import json_safe
    two = pd.concat([obs, obs.assign(task="sim2", value=obs["value"] * 0.5 + 0.1)], ignore_index=True)
    mcmc, boot = dict(nsteps=800), dict(n=10)
    per_task = {"sim": dict(chance=1 / 6), "sim2": dict(chance=1 / 6 * 0.5 + 0.1)}
    fitted = {t: json_safe(fit_task(two, t, mcmc=mcmc, bootstrap=boot, seed=0, **kw)) for t, kw in per_task.items()}
    kw = dict(task=["sim", "sim2"], mcmc=mcmc, bootstrap=boot, d0_multiples=(1,), variants=("log_power",),
              which=("uncertainty", "d0_sweep"), per_task=per_task, seed=0)
    read = tables.paper_tables(two, fits=fitted, **kw)
    refit = tables.paper_tables(two, **kw)
    cols = ["task", "emergence_point_mle", "mcmc_p5", "mcmc_p95", "boot_p50", "status"]
    pd.testing.assert_frame_equal(read["uncertainty"][cols], refit["uncertainty"][cols], atol=1e-5)
    # each task fitted with its own chance: the second task's truth is its own elbow
    assert read["d0_sweep"].set_index("task").loc["sim2", "ground_truth"] == fitted["sim2"]["ground_truth"]


def test_paper_tables_fit_what_several_tables_share_once(obs, monkeypatch):
    """Table 2's 'Full Data', the default variant's functional-form row and the D0 sweep at
    the default D0 are one seeded fit: run once, reported three times, the same as fitted
    alone."""
    calls = []
    real = tables.fit_task
    monkeypatch.setattr(tables, "fit_task", lambda *a, **kw: calls.append(kw) or real(*a, **kw))
    kw = dict(mcmc=None, chance=1 / 6, seed=0)
    out = tables.paper_tables(obs, task="sim", d0_multiples=(1, 5), variants=("log_power", "power"),
                              which=("holdout", "functional_form", "d0_sweep"), **kw)
    assert len(calls) == 19 + 1 + 1  # Table 2, 'power', D0 = 5 N
    monkeypatch.undo()
    # the same rows from worker processes (what the tables rule runs): jobs must reach them
    pooled = tables.paper_tables(obs, task="sim", d0_multiples=(1, 5), variants=("log_power", "power"),
                                 which=("holdout",), processes=2, **kw)
    pd.testing.assert_frame_equal(pooled["holdout"], out["holdout"])
    full = out["holdout"].set_index("ablation").loc["Full Data"]
    form = out["functional_form"].set_index("variant").loc["log_power"]
    d0 = out["d0_sweep"].set_index("d0_multiple").loc[1]
    alone = fit_task(obs, "sim", **kw)
    for row in (full, form, d0):
        assert row["emergence_point_mle"] == pytest.approx(alone["emergence_point_mle"])
        assert row["status"] == alone["status"]
    assert out["d0_sweep"].set_index("d0_multiple").loc[5, "d0"] == 5 * alone["d0"]
    assert np.isfinite(form["heldout_lpd"])


def test_one_forecast_carries_one_status_in_every_table(obs, monkeypatch):
    """Table 2's 'Full Data' and the D0 sweep's default row are Table 3's fit, bootstrap
    included: read from the fit stage when given, else fitted once with Table 3. A Full Data
    row fitted without the bootstrap read 'ok' where the fit stage said 'weak'."""
    from emergence.io import json_safe
    mcmc, boot = dict(nsteps=400), dict(n=10)
    kw = dict(task="sim", mcmc=mcmc, bootstrap=boot, d0_multiples=(1,), chance=1 / 6, seed=0,
              which=("uncertainty", "holdout", "d0_sweep"), holdout_names=["Full Data", "-1 Last Checkpoints"])
    stage = json_safe(fit_task(obs, "sim", mcmc=mcmc, bootstrap=boot, chance=1 / 6, seed=0))
    stage.update(status="weak", reason="bootstrap and MCMC medians disagree (sentinel)")
    calls = []
    real = tables.fit_task
    monkeypatch.setattr(tables, "fit_task", lambda *a, **k: calls.append(k) or real(*a, **k))
    read = tables.paper_tables(obs, fits={"sim": stage}, **kw)
    assert len(calls) == 1 and "select" in calls[0]  # only the '-1' row is fitted
    for frame, label in (("holdout", "Full Data"), ("uncertainty", None), ("d0_sweep", 1)):
        df = read[frame]
        row = df.iloc[0] if label is None else df.set_index(df.columns[1]).loc[label]
        assert row["status"] == "weak" and row.get("reason", stage["reason"]) == stage["reason"], frame
    calls.clear()
    alone = tables.paper_tables(obs, **kw)
    assert sum("bootstrap" in c for c in calls) == 1 and len(calls) == 2  # Table 3's fit, and the '-1' row
    h, u = alone["holdout"].set_index("ablation").loc["Full Data"], alone["uncertainty"].iloc[0]
    assert (h["status"], h["emergence_point_mle"]) == (u["status"], u["emergence_point_mle"])


def test_table2_goes_deeper_when_asked_and_the_scorecard_horizon_follows(obs):
    deep = tables.paper_tables(obs, "sim", mcmc=None, which=("holdout",), last_k=6, chance=1 / 6)["holdout"]
    assert deep.ablation.tolist() == SPEC_ROWS + ["-5 Last Checkpoints", "-6 Last Checkpoints"]
    full = deep.set_index("ablation")
    assert full.loc["-6 Last Checkpoints", "n_ckpts"] == full.loc["Full Data", "n_ckpts"] - 6
    # the horizon is counted over every '-k' row there is, so a deeper table can reach further
    long = tables.scorecard(deep)
    ok = set(long[(long.forecast == "law") & (long.within == True)].ablation)  # noqa: E712
    law = tables.scorecard_summary(long).set_index("forecast").loc["law"]
    rows = tables.last_rows(deep.ablation)
    assert rows[-1] == "-6 Last Checkpoints"
    assert law.horizon_k == next((i - 1 for i, r in enumerate(rows) if r not in ok), 6)


def test_the_scorecard_counts_rows_that_stay_within_every_truth_in_its_range():
    # the law is within 0.1 of the reported truth 3.05 on every row, but of every truth in
    # 3.0-3.09 (its bootstrap and shorter series) only on Full Data
    rows = [dict(task="t", ablation="Full Data", emergence_point_mle=3.0, error_nats=0.05, trivial_E=3.07,
                 trivial_error=0.02, status="ok"),
            dict(task="t", ablation="-1 Last Checkpoints", emergence_point_mle=2.96, error_nats=0.09, trivial_E=3.2,
                 trivial_error=0.15, status="ok"),
            # past the range's high end: near its far end is the low one
            dict(task="t", ablation="-2 Last Checkpoints", emergence_point_mle=3.15, error_nats=0.1, trivial_E=3.0,
                 trivial_error=0.05, status="ok")]
    h = pd.DataFrame(rows)
    law = tables.scorecard_summary(tables.scorecard(h, {"t": (3.0, 3.09)})).set_index("forecast")
    assert (law.loc["law", "within"], law.loc["law", "within_range"]) == (3, 1)
    assert (law.loc["trivial", "within"], law.loc["trivial", "within_range"]) == (2, 2)
    bare = tables.scorecard_summary(tables.scorecard(h)).set_index("forecast")
    assert bare.loc["law", "within"] == 3 and pd.isna(bare.loc["law", "within_range"])  # no range: not counted
