"""Figures layer: every figure draws from small fixture tables, skips (None) without its data;
the L(N) fit recovers known parameters; table_html marks failed rows."""
import numpy as np
import pandas as pd
import pytest

from emergence import figures, tables
from emergence.fit import fit_task, simulate_obs

SIZES = {"1B": 1e9, "3B": 3e9}
LOSSES = {"1B": np.linspace(4.0, 3.0, 7), "3B": np.linspace(3.7, 2.5, 7)}
CHANCE = 1 / 6


def make_obs(seed=0):
    """Two model sizes x 7 checkpoints, few-shot + full finetuning at 5 D values; LoRA ranks
    1 and 4 at two D values (fig12); logprob_norm rows for every result (fig13)."""
    losses = np.concatenate([LOSSES[s] for s in SIZES])
    obs = simulate_obs(A=0.6, A_fs=0.6, sigma=0.004, seed=seed, losses=losses)
    names, meta = {}, {}
    i = 0
    for s, n in SIZES.items():
        for j, _ in enumerate(LOSSES[s]):
            step = 1000 * (j + 1)
            tokens = step * 4e6
            names[f"c{i:02d}"] = f"{s}-step{step}"
            meta[f"{s}-step{step}"] = dict(size=s, step=step, params=n, tokens=tokens, flops=6 * n * tokens)
            i += 1
    obs["ckpt"] = obs["ckpt"].map(names)
    for c in ("size", "step", "params", "tokens", "flops"):
        obs[c] = obs["ckpt"].map(lambda k, c=c: meta[k][c])
    obs["series"] = "sim"
    rng = np.random.default_rng(seed + 1)
    lora = []
    for r, shift in (("lora_r1", -0.03), ("lora_r4", -0.01)):
        g = obs[(obs["method"] == "full") & obs["data_amount"].isin([16, 256])].copy()
        g["method"] = r
        g["value"] = np.maximum(g["value"] + shift + 0.005 * rng.standard_normal(len(g)), CHANCE - 0.02)
        lora.append(g)
    obs = pd.concat([obs, *lora], ignore_index=True)
    lp = obs.copy()
    lp["metric"] = "logprob_norm"
    lp["value"] = np.log(CHANCE) + 2.2 * (lp["value"] - CHANCE) - 0.3 * (lp["pretrain_loss"] - 4.0) ** 2 * 0.2
    return pd.concat([obs, lp], ignore_index=True)


def make_checkpoints(obs):
    cols = ["ckpt", "series", "size", "step", "params", "tokens", "flops", "pretrain_loss"]
    ck = obs[cols].drop_duplicates("ckpt").sort_values(["size", "step"]).reset_index(drop=True)
    ck["path"], ck["revision"] = "", ""
    return ck


@pytest.fixture(scope="module")
def data():
    obs = make_obs()
    fit = fit_task(obs, "sim", chance=CHANCE)
    assert fit["status"] == "ok"
    e = fit["emergence_point_mle"]
    fit["percentiles"] = {f"p{p}": e + 0.02 * z for p, z in
                          zip((5, 10, 25, 50, 75, 90, 95), (-1.64, -1.28, -0.67, 0, 0.67, 1.28, 1.64))}
    fit["bootstrap_percentiles"] = {k: v + 0.005 for k, v in fit["percentiles"].items()}
    rows = {k: v for k, v in tables.holdout_rows().items() if k == "Full Data" or k.endswith("Last Checkpoints")}
    hold = tables.holdout_ablation(obs, "sim", mcmc=None, rows=rows, chance=CHANCE)
    form = pd.DataFrame(dict(task=["sim"] * 3 + ["other"] * 3, variant=["log_power", "power", "no_fewshot"] * 2,
                             error_nats=[0.02, 0.15, 0.05, 0.04, None, 0.08],
                             err_p5=[0.005, 0.05, 0.01, 0.01, None, 0.02],
                             err_p95=[0.06, 0.3, 0.12, 0.09, None, 0.2],
                             err_p50=[0.02, 0.12, 0.04, 0.035, None, 0.07]))
    d0 = pd.DataFrame(dict(task="sim", d0_multiple=[1, 2, 5, 10, 20, 50], d0=[6, 12, 30, 60, 120, 300],
                           error_nats=[0.02, 0.025, 0.03, 0.04, 0.09, 0.16],
                           err_p5=[0.0, 0.01, 0.01, 0.02, 0.04, 0.1], err_p95=[0.07, 0.08, 0.09, 0.1, 0.2, 0.3])),
    return dict(obs=obs, ck=make_checkpoints(obs), fit=fit, hold=hold, form=form, d0=d0[0])


def all_figures(d):
    obs, fit, ck = d["obs"], d["fit"], d["ck"]
    return {
        "fig3": lambda: figures.fig3(obs, fit, "sim", chance=CHANCE),
        "fig4": lambda: figures.fig4(obs, fit, "sim", chance=CHANCE),
        "fig5": lambda: figures.fig5(fit, obs, "sim", chance=CHANCE),
        "fig6": lambda: figures.fig6(d["form"], d["d0"]),
        "fig7": lambda: figures.fig7(d["hold"], fit, ck, "sim", observations=obs),
        "fig10": lambda: figures.fig10(ck, fit),
        "fig12": lambda: figures.fig12(obs, "sim", chance=CHANCE, fit=fit),
        "fig13": lambda: figures.fig13(obs, "sim", fit=fit, chance=CHANCE),
    }


@pytest.mark.parametrize("name", ["fig3", "fig4", "fig5", "fig6", "fig7", "fig10", "fig12", "fig13"])
def test_figure_renders(data, name, tmp_path):
    fig = all_figures(data)[name]()
    assert fig is not None, name
    png, pdf = tmp_path / f"{name}.png", tmp_path / f"{name}.pdf"
    figures.save(fig, str(png), str(pdf))
    blob = png.read_bytes()
    assert blob[:8] == b"\x89PNG\r\n\x1a\n" and len(blob) > 20_000, (name, len(blob))
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_figures_skip_without_data(data):
    obs, fit, ck = data["obs"], data["fit"], data["ck"]
    fs_only = obs[obs["method"] == "fewshot"]
    unident = dict(fit, params=None, emergence_point_mle=None, percentiles=None, bootstrap_percentiles=None,
                   status="unidentifiable")
    assert figures.fig3(obs, fit, "nope") is None
    assert figures.fig4(obs, unident, "sim") is None
    assert figures.fig4(fs_only, fit, "sim") is None
    assert figures.fig5(dict(fit, percentiles=None, bootstrap_percentiles=None), obs, "sim") is None
    assert figures.fig6(None, data["form"].iloc[:0]) is None
    # every fit unidentified: no empty axes, a placeholder instead
    assert figures.fig6(data["form"].assign(error_nats=float("nan")), None) is None
    assert figures.fig7(data["hold"], dict(fit, fit_ckpts=None), ck, "sim") is None
    assert figures.fig7(data["hold"], fit, ck.drop(columns="flops"), "sim") is None
    assert figures.fig10(ck[ck["size"] == "1B"], fit) is None  # one size: no L(N)
    assert figures.fig10(ck, unident) is None
    assert figures.fig12(obs[~obs["method"].str.startswith("lora")], "sim") is None
    assert figures.fig13(obs[obs["metric"] == "acc"], "sim", fit) is None


def test_partial_inputs_still_draw(data, tmp_path):
    # one ablation table only; samples instead of percentiles; a fit without a ground truth
    assert figures.fig6(data["form"], None) is not None
    fit = dict(data["fit"], percentiles=None)
    s = np.random.default_rng(0).normal(fit["emergence_point_mle"], 0.02, 500)
    assert figures.fig5(fit, data["obs"], "sim", samples=s) is not None
    forecast = dict(data["fit"], ground_truth=None, error_nats=None, failed=None, status="forecast")
    for f in (figures.fig3(data["obs"], forecast, "sim"), figures.fig4(data["obs"], forecast),
              figures.fig10(data["ck"], forecast), figures.fig3(data["obs"], {}, "sim")):
        assert f is not None
        figures.save(f, str(tmp_path / "x.png"))
    figures.save(None, str(tmp_path / "none.png"), missing="no fit")  # placeholder keeps outputs
    assert (tmp_path / "none.png").read_bytes()[:4] == b"\x89PNG"


def test_compute_horizon(data):
    hold = data["hold"].copy()
    hold.loc[hold["ablation"] == "-4 Last Checkpoints", "failed"] = True
    hz = figures.compute_horizon(hold, data["fit"], data["ck"], "sim")
    assert hz["ablation"].tolist()[0] == "Full Data" and hz["k"].tolist() == list(range(len(hz)))
    assert set(hz["size"]) == {"3B"}  # the run that crosses emergence (1B never does)
    # dropping checkpoints can only push the last used checkpoint back: the horizon grows
    assert (hz["last_flops"].diff().dropna() <= 0).all()
    assert (hz["ratio_next"] > 1).all() and (hz["ratio_next"].diff().dropna() >= 0).all()
    assert hz["truth_flops"].notna().all() and hz.set_index("ablation").loc["-4 Last Checkpoints", "failed"]
    assert figures.fig7(hold, data["fit"], data["ck"], "sim") is not None
    # with the observations, the bound the finetuned rows set on the reach is drawn where it lies
    from emergence.horizon import lift_horizon
    lift = lift_horizon(data["obs"], data["fit"], hz["truth_flops"].iloc[0], run=("sim", "3B"))
    fig = figures.fig7(hold, data["fit"], data["ck"], "sim", observations=data["obs"])
    assert lift is not None and any(ln.get_label().startswith("truth over the 2nd")
                                    and ln.get_ydata()[0] == pytest.approx(lift["ratio_truth"])
                                    for ln in fig.axes[0].get_lines())
    # as deep as Table 2 goes: without the '-4' row the horizon stops at '-3'
    short = figures.compute_horizon(hold[hold["ablation"] != "-4 Last Checkpoints"], data["fit"], data["ck"], "sim")
    assert short["ablation"].tolist() == hz["ablation"].tolist()[:-1]


def test_lift_horizon_counts_only_pre_emergence_finetuned_lift():
    from emergence.horizon import lift_horizon
    fit = dict(task="t", method="lora", floor=0.2, fit_ckpts=["c1", "c2", "c3", "c4"])

    def row(ckpt, flops, value, task="t", method="lora"):
        return dict(task=task, ckpt=ckpt, method=method, value=value, flops=flops)
    obs = pd.DataFrame([row("c1", 1.0, 0.25), row("c2", 2.0, 0.35), row("c3", 3.0, 0.2), row("c3", 3.0, 0.9),
                        row("c4", 4.0, 0.5),
                        row("c1", 1.0, 0.9, method="fewshot"), row("c1", 1.0, 0.9, task="other"),
                        row("c5", 5.0, 1.0)])  # c5 is past emergence
    # c1 lifts only 0.05 above the floor, few-shot and other tasks do not count: c2, then c3
    got = lift_horizon(obs, fit, truth_flops=9.0)
    assert got["ckpt"] == "c3" and got["ratio_truth"] == pytest.approx(3.0)
    assert lift_horizon(obs, fit, 9.0, n=1)["ckpt"] == "c2"
    assert lift_horizon(obs, fit, 9.0, n=4) is None and lift_horizon(obs, fit, None) is None
    assert lift_horizon(obs, dict(fit, floor=0.0), 8.0, n=1)["ckpt"] == "c1"
    # ordered by FLOPs, not by name; a checkpoint without FLOPs (or with none) is left out, and a
    # truth without FLOPs gives no bound rather than a nan line
    renamed = obs.replace({"ckpt": {"c2": "z2", "c3": "a3"}})
    refit = dict(fit, fit_ckpts=["c1", "z2", "a3", "c4"])
    assert lift_horizon(renamed, refit, 9.0)["ckpt"] == "a3"
    holes = renamed.assign(flops=renamed["flops"].astype(object))
    holes.loc[holes["ckpt"] == "z2", "flops"] = "n/a"
    holes.loc[holes["ckpt"] == "a3", "flops"] = 0.0
    assert lift_horizon(holes, refit, 9.0, n=1)["ckpt"] == "c4" and lift_horizon(holes, refit, 9.0) is None
    assert lift_horizon(obs, fit, float("nan")) is None and lift_horizon(obs, fit, 0.0) is None
    # only the run the horizon is measured along: another size's lift does not count
    sized = obs.assign(series="s", size=np.where(obs["ckpt"] == "c2", "1B", "3B"))
    assert lift_horizon(sized, fit, 9.0, run=("s", "3B"))["ckpt"] == "c4"
    # checkpoints named series/checkpoint, and only the fit's metric
    both = pd.concat([sized.assign(metric="acc"), sized.assign(metric="logprob", value=5.0)])
    got = lift_horizon(both, dict(fit, metric="acc", fit_ckpts=[f"s/c{i}" for i in range(1, 5)]), 9.0, n=1)
    assert got["ckpt"] == "c2"


def test_fig10_power_form(data, tmp_path):
    rows = [dict(ckpt=f"{s}-{st}", series="py", size=s, params=n, flops=6 * n * st * 1e6,
                 pretrain_loss=1.8 + 400 * n ** -0.3 + 100 / st)
            for s, n in {"160M": 1.6e8, "410M": 4.1e8, "1B": 1e9, "2.8B": 2.8e9, "6.9B": 6.9e9}.items()
            for st in (1000, 2000, 4000)]
    ck = pd.DataFrame(rows)
    fin = figures.final_checkpoints(ck)
    assert fin["ckpt"].str.endswith("-4000").all() and fin["params"].is_monotonic_increasing
    lf = figures.fit_loss_vs_params(fin["params"], fin["pretrain_loss"])
    assert lf["form"] == "power" and lf["b"] == pytest.approx(0.3, rel=1e-3)
    fig = figures.fig10(ck, data["fit"])
    assert fig is not None
    figures.save(fig, str(tmp_path / "f.png"))


@pytest.mark.parametrize("a,b,c", [(400.0, 0.3, 1.7), (12.0, 0.12, 2.1)])
def test_fit_loss_vs_params_recovers_power_law(a, b, c):
    N = np.geomspace(1e8, 7e10, 6)
    lf = figures.fit_loss_vs_params(N, c + a * N ** (-b))
    assert lf["form"] == "power"
    assert lf["a"] == pytest.approx(a, rel=1e-3) and lf["b"] == pytest.approx(b, rel=1e-4)
    assert lf["c"] == pytest.approx(c, abs=1e-4)
    L = figures.loss_of_params(lf, 3e9)
    assert figures.params_of_loss(lf, L) == pytest.approx(3e9, rel=1e-6)
    assert np.isinf(figures.params_of_loss(lf, c - 0.1))  # below the asymptote: unreachable


def test_fit_loss_vs_params_few_sizes_is_loglinear():
    lf = figures.fit_loss_vs_params([1e9, 7e9], [2.9, 2.4])
    assert lf["form"] == "loglinear" and lf["v"] < 0
    assert figures.loss_of_params(lf, 1e9) == pytest.approx(2.9)
    assert figures.params_of_loss(lf, 2.4) == pytest.approx(7e9)
    with pytest.raises(ValueError):
        figures.fit_loss_vs_params([1e9, 1e9], [2.9, 2.8])


def test_table_html_marks_failed_rows():
    df = pd.DataFrame(dict(ablation=["Full Data", "-1 Last <x>"], error_nats=[0.02, 0.3],
                           failed=[False, True], note=[None, "a&b"]))
    h = figures.table_html(df)
    rows = h.split("<tr")[2:]
    assert ' failed"' not in rows[0] and ' failed"' in rows[1]
    assert "0.020" in rows[0] and "–" in rows[0] and "&lt;x&gt;" in rows[1] and "a&amp;b" in rows[1]
    assert h.count("<tr") == 3
    # strings from a CSV count too; no failed column: nothing marked
    assert ' failed"' in figures.table_html(df.assign(failed=["False", "True"])).split("<tr")[3]
    assert ' failed"' not in figures.table_html(df.drop(columns="failed"))


def test_d_palette_is_shared():
    p = figures.d_palette([0, 4, 16, 64])
    assert list(p) == [4, 16, 64] and figures.d_palette([64, 16, 4, 0]) == p
    assert figures.size_markers(["13B", "3B", "7B"]) == {"3B": "o", "7B": "s", "13B": "D"}


def test_fig10_draws_when_the_mle_lies_outside_the_posterior_band(data, tmp_path):
    # seen on a toy seed: the MLE of E(D0) outside the MCMC 5th-95th band made negative
    # whiskers, which matplotlib refuses
    rows = [dict(ckpt=f"{s}-{st}", series="py", size=s, params=n, flops=6 * n * st * 1e6,
                 pretrain_loss=1.8 + 400 * n ** -0.3 + 100 / st)
            for s, n in {"160M": 1.6e8, "410M": 4.1e8, "1B": 1e9}.items() for st in (1000, 2000)]
    e0 = float(data["fit"]["emergence_point_mle"])
    fit = dict(data["fit"], percentiles={"p5": e0 - 0.3, "p50": e0 - 0.2, "p95": e0 - 0.1})
    fig = figures.fig10(pd.DataFrame(rows), fit)
    assert fig is not None
    figures.save(fig, str(tmp_path / "f.png"))


def test_flops_forecast_inverts_the_runs_loss_curve_at_the_predicted_loss():
    from emergence.horizon import flops_forecast

    C = np.geomspace(1e10, 1e11, 10)
    L = 2.0 + 30.0 * (C / 1e9) ** -0.5
    ck = pd.DataFrame({"ckpt": [f"c{i}" for i in range(10)], "series": "s", "size": "m", "flops": C,
                       "pretrain_loss": L})
    target = 4e11  # beyond the run: an extrapolation
    e = 2.0 + 30.0 * (target / 1e9) ** -0.5
    fit = {"emergence_point_mle": e, "percentiles": {"p5": e - 0.05, "p95": e + 0.05}}
    f = flops_forecast(ck, fit)
    assert f["flops_mle"] == pytest.approx(target, rel=1e-3)
    assert f["flops_lo"] < f["flops_mle"] < f["flops_hi"]
    assert f["ratio_mle"] == pytest.approx(4.0, rel=1e-3)
    below = flops_forecast(ck, {"emergence_point_mle": 1.9})  # under the asymptote: never at this size
    assert below["flops_mle"] == np.inf


@pytest.mark.parametrize("lo,hi", [(2.3e11, 3.5e11), (5e10, 9e11), (1e9, 1e13)])
def test_log_axis_ticks_are_few_round_and_inside_the_data(lo, hi):
    import matplotlib.pyplot as plt

    from emergence.figures.style import log_axis_ticks

    fig, ax = plt.subplots()
    ax.plot([lo, hi], [0, 1])
    log_axis_ticks(ax, max_ticks=5)
    ticks = ax.get_xticks()
    x0, x1 = ax.get_xlim()
    assert 2 <= len(ticks) <= 5 and all(x0 <= t <= x1 for t in ticks)
    labels = [ax.xaxis.get_major_formatter()(t) for t in ticks]
    assert all("e" in lab and len(lab) <= 6 for lab in labels)
    plt.close(fig)


def test_a_placeholder_says_what_is_absent():
    from emergence.figures import missing_reason
    from emergence.observations import simulate_obs

    obs = simulate_obs(seed=0)  # one recipe, accuracy only
    assert "only one finetuning recipe" in missing_reason("fig12", obs, {}, "sim")
    assert "no continuous metric" in missing_reason("fig13", obs, {}, "sim")
    assert "no ground truth" in missing_reason("fig7", obs, {"ground_truth": None}, "sim")
    assert "flat" in missing_reason("fig4", obs, {"ground_truth": 2.9, "reason": "flat"}, "sim")


def test_fig4_free_elbow_brackets_a_known_elbow_and_declines_a_flat_curve():
    # Fig. 4(b) sets each D's own elbow beside the law's point: a clean ReLU with noise must
    # be recovered inside its interval; a curve that never leaves the floor must not get one
    from emergence.figures.paper import free_elbow

    rng = np.random.default_rng(3)
    L = np.repeat(np.linspace(3.6, 2.8, 12), 2)
    y = 0.2 + 0.8 * np.maximum(0.0, 3.1 - L) + rng.normal(0, 0.01, len(L))
    e = free_elbow(pd.DataFrame(dict(pretrain_loss=L, value=y)))
    assert e is not None and e["lo"] <= 3.1 <= e["hi"] and abs(e["E"] - 3.1) < 0.05
    flat = pd.DataFrame(dict(pretrain_loss=L, value=0.2 + rng.normal(0, 0.01, len(L))))
    assert free_elbow(flat) is None


def test_fig3_shows_the_finetuned_stretch_not_the_whole_early_run():
    obs = simulate_obs(A=0.6, A_fs=0.6, sigma=0.004, seed=0, losses=np.linspace(2.5, 3.5, 10))
    fs = obs[obs["method"] == "fewshot"].iloc[:1]
    early = pd.concat([fs.assign(pretrain_loss=L, ckpt=f"early{L}", value=fs["value"].iloc[0] * 0)
                       for L in (5.0, 6.0, 7.0)])  # few-shot-only checkpoints far before any finetuning
    wide = figures.fig3(pd.concat([obs, early]), {}, "sim")
    lo, hi = sorted(wide.axes[0].get_xlim())
    assert 3.5 < hi < 4.0 and lo < 2.5  # the finetuned stretch, padded, still inverted
    assert wide.axes[0].get_xlim()[0] > wide.axes[0].get_xlim()[1]
    near = sorted(figures.fig3(obs, {}, "sim").axes[0].get_xlim())
    assert near[1] >= 3.5  # nothing to drop: the axis keeps every checkpoint
    # a prediction among the dropped checkpoints stays in view (its line would be cut off)
    marked = sorted(figures.fig3(pd.concat([obs, early]), {"emergence_point_mle": 4.2}, "sim").axes[0].get_xlim())
    assert marked[1] > 4.2 and marked[1] < 5.0


def test_fig3_legend_says_when_a_marked_loss_is_off_the_axis():
    # a run-off prediction (12 nats beside elbows at 3) is named in the legend but not drawn
    # where the reader looks: the legend must say so, and only for the mark that is off
    obs = simulate_obs(A=0.6, A_fs=0.6, sigma=0.004, seed=0, losses=np.linspace(2.5, 3.5, 10))
    fs = obs[obs["method"] == "fewshot"].iloc[:1]
    early = pd.concat([fs.assign(pretrain_loss=L, ckpt=f"early{L}", value=0.0) for L in (5.0, 6.0, 7.0)])
    fit = {"emergence_point_mle": 12.055, "ground_truth": 3.0, "status": "weak"}
    labels = [t.get_text() for t in figures.fig3(pd.concat([obs, early]), fit, "sim").axes[0].get_legend().get_texts()]
    assert "predicted emergence (12.055, weak; off the axis, left)" in labels
    assert "true emergence (3.000)" in labels
    labels = [t.get_text() for t in figures.fig3(obs, {"emergence_point_mle": 3.2}, "sim").axes[0].get_legend().get_texts()]
    assert "predicted emergence (3.200)" in labels
    # with no early checkpoints to zoom past, the run-off mark must not stretch the axis to 12
    # nats (every curve squeezed into a sliver): it stays off the axis, and is named so
    ax = figures.fig3(obs, fit, "sim").axes[0]
    assert max(ax.get_xlim()) < 4.0
    assert "predicted emergence (12.055, weak; off the axis, left)" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_fig4_says_when_the_law_misfits_the_elbows():
    # a reader of Fig. 4(b) sees the lack-of-fit test's verdict beside the law's points
    from test_law import _step_in_D

    from emergence.fit import fit_task

    step = _step_in_D(0)
    title = figures.fig4(step, fit_task(step, "sim", chance=1 / 6), "sim").axes[1].get_title()
    assert "free elbows: p" in title and "(misfit)" in title


def test_the_horizon_measures_reach_to_the_earliest_truth_in_the_truths_range(data):
    from emergence import card

    hold, fit = data["hold"], data["fit"]
    plain = figures.compute_horizon(hold, fit, data["ck"], "sim")  # no range measured: nothing claimed
    assert plain["ratio_truth_early"].isna().all() and plain["within_range"].isna().all()
    assert "every truth" not in card.to_markdown(card.build(fit, horizon=plain.to_dict("records")))
    # a series stopped earlier would put the truth 0.25 nats earlier: less compute ahead, and
    # no forecast is within 0.1 nats of both ends
    wide = dict(fit, ground_truth_cuts={"lo": fit["ground_truth"], "hi": fit["ground_truth"] + 0.25, "n": 3,
                                        "max_move": 0.25, "at": 2.0})
    hz = figures.compute_horizon(hold, wide, data["ck"], "sim")
    assert (hz["ratio_truth_early"] < hz["ratio_truth"]).all() and not hz["within_range"].any()
    md = card.to_markdown(card.build(wide, horizon=hz.to_dict("records")))
    assert "within 0.1 of every truth in its range up to no row" in md
    fig = figures.fig7(hold, wide, data["ck"], "sim")  # Fig. 7 draws the range down to the earliest truth
    marks = [ln for ln in fig.axes[0].get_lines() if ln.get_label().startswith("earliest truth")]
    assert marks and np.allclose(sorted(marks[0].get_ydata()), sorted(hz["ratio_truth_early"]))
    assert fig.axes[0].get_ylim()[0] <= hz["ratio_truth_early"].min()  # the range is drawn in full
    assert not any(ln.get_label().startswith("earliest truth") for ln in
                   figures.fig7(hold, fit, data["ck"], "sim").axes[0].get_lines())
    # a narrow range: the card names the deepest row within 0.1 of every truth and its least compute ahead
    t = fit["ground_truth"]
    narrow = dict(fit, ground_truth_cuts={"lo": t - 0.001, "hi": t + 0.001, "n": 3, "n_tried": 3, "max_move": 0.001,
                                          "at": 2.0})
    hn = figures.compute_horizon(hold, narrow, data["ck"], "sim")
    best = hn[(hn["within_range"] == True) & (hn["failed"] != True)].iloc[-1]  # noqa: E712
    md = card.to_markdown(card.build(narrow, horizon=hn.to_dict("records")))
    assert f"up to '{best['ablation']}': at least {best['ratio_truth_early']:.2f}x" in md
    assert best["ratio_truth_early"] < best["ratio_truth"]
