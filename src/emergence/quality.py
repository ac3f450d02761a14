"""The data-quality case study (paper §7.1, Figs. 8-9): which of two checkpoint series,
pretrained on corpora of different quality, emerges first, predicted from each series'
pre-emergence checkpoints and checked against what the full series measured.

The two series here are two runs (results/<name>): this config's and `quality.baseline`'s.
The paper compares OpenLLaMA V1 and V2 on one validation set (C4 loss); two toy corpora
have different held-out texts, so their losses are not on one axis. The comparison is made
in training FLOPs of one model size instead, which is also the question a data team asks
("how much compute does the better corpus save?"):

- predicted: each fit's emergence loss (MLE, and its 90 % interval) converted to FLOPs
  through that run's loss-vs-FLOPs power law fitted on its pre-emergence checkpoints only
  (emergence.horizon.flops_forecast): nothing past emergence is used;
- observed: each run's ground truth (its few-shot elbow over every checkpoint) at the FLOPs
  where the run actually reached that loss (emergence.horizon.flops_at_loss).

The verdict names the series predicted to emerge first (claimed only when the two 90 %
FLOPs intervals are apart; else "no confident order"), the predicted FLOPs ratio, and
whether the observed order and ratio (both in the predicted order) agree.
"""
from __future__ import annotations

import math

import pandas as pd

from emergence import horizon
from emergence.values import num as _num
from emergence.values import truth_range


def one_run(name: str, fit: dict, checkpoints: pd.DataFrame, size: str) -> dict:
    """Predicted and observed emergence of one run, in loss and in FLOPs of `size`."""
    raw = horizon.flops_forecast(checkpoints, fit, size=size) or {}  # pre-emergence rows only
    fc = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in raw.items()}
    why = (None if fc.get("flops_mle") else "no emergence point predicted" if fit.get("emergence_point_mle") is None
           else "the predicted loss lies below the run's loss-vs-FLOPs asymptote (never, at this size)"
           if raw.get("flops_mle") == math.inf else "too few pre-emergence checkpoints of this size for a loss law")
    truth, rng = _num(fit.get("ground_truth")), truth_range(fit)
    # where the run could truly have emerged: its truth's range (bootstrap, shorter series) in FLOPs
    at = [horizon.flops_at_loss(checkpoints, size, v) for v in rng] if rng else [None, None]
    return dict(run=name, truth_range=rng, flops_true_early=at[1], flops_true_late=at[0], status=fit.get("status"),
                loss_pred=_num(fit.get("emergence_point_mle")),
                loss_p5=_num((fit.get("percentiles") or {}).get("p5")),
                loss_p95=_num((fit.get("percentiles") or {}).get("p95")), loss_true=truth,
                flops_pred=fc.get("flops_mle"), flops_lo=fc.get("flops_lo"), flops_hi=fc.get("flops_hi"),
                flops_true=horizon.flops_at_loss(checkpoints, size, truth) if truth is not None else None,
                flops_reason=why, flops_interval=_has_interval(raw))


def _has_interval(raw: dict) -> bool:
    """A FLOPs interval exists (an end past the loss law's asymptote is inf: open, not absent);
    without posterior percentiles (a chain that did not converge) there is none."""
    return raw.get("flops_lo") is not None and raw.get("flops_hi") is not None


def compare(runs: list[dict]) -> dict:
    """runs: two one_run() dicts. Returns them with the verdict (first, ratios, agreement)."""
    a, b = runs
    out = dict(runs=runs, predicted_first=None, observed_first=None, ratio_pred=None, ratio_true=None,
               ratio_true_range=None, order_right=None, confident=None, verdict=None)
    if a["flops_pred"] and b["flops_pred"]:
        first, second = (a, b) if a["flops_pred"] <= b["flops_pred"] else (b, a)
        out["predicted_first"], out["ratio_pred"] = first["run"], second["flops_pred"] / first["flops_pred"]
    if a["flops_true"] and b["flops_true"]:
        out["observed_first"] = (a if a["flops_true"] <= b["flops_true"] else b)["run"]
    if out["predicted_first"] is None:
        out["verdict"] = "no prediction in FLOPs: " + "; ".join(f"{r['run']}: {r['flops_reason']}" for r in runs
                                                                 if not r["flops_pred"])
        return out
    first, other = (a, b) if out["predicted_first"] == a["run"] else (b, a)
    # an order is claimed only when both 90 % FLOPs intervals exist and lie apart in the MLEs'
    # order (an end past the loss law's asymptote is open: None, read as infinity above)
    has = first.get("flops_interval", True) and other.get("flops_interval", True)
    lo = [r["flops_lo"] or 0.0 for r in (first, other)]
    hi = [r["flops_hi"] or math.inf for r in (first, other)]
    out["confident"] = bool(has and hi[0] < lo[1])
    why = ("a run has no 90 % FLOPs interval" if not has else "the MLEs and the 90 % intervals disagree on it"
           if hi[1] < lo[0] else "the 90 % FLOPs intervals overlap")
    pred = (f"predicted: {first['run']} emerges first; {other['run']} needs {out['ratio_pred']:.2f}x its FLOPs"
            if out["confident"] else
            f"predicted: no confident order ({why}; the MLEs put {first['run']} "
            f"first, {other['run']} at {out['ratio_pred']:.2f}x its FLOPs)")
    if out["observed_first"] is None:
        out["verdict"] = pred + "; not yet observed in both runs"
        return out
    out["order_right"] = out["observed_first"] == out["predicted_first"]
    # observed FLOPs in the predicted order (other / first), so that it compares with ratio_pred
    # directly; below 1 when the order was wrong
    out["ratio_true"] = other["flops_true"] / first["flops_true"]
    # with each run's truth anywhere in its range: the observed ratio's extremes, where both are measured
    ends = [first.get("flops_true_early"), first.get("flops_true_late"), other.get("flops_true_early"),
            other.get("flops_true_late")]
    out["ratio_true_range"] = None if not all(ends) else (ends[2] / ends[1], ends[3] / ends[0])
    spread = ""
    if out["ratio_true_range"]:
        lo_r, hi_r = out["ratio_true_range"]
        spread = (f"; with each truth anywhere in its range (bootstrap, shorter series) {lo_r:.2f}-{hi_r:.2f}x"
                  + (", either order" if lo_r < 1 < hi_r else ""))
    elif any(r.get("truth_range") for r in (first, other)):  # a range end outside a run's checkpoints: no FLOPs
        spread = "; a truth's range reaches past a run's checkpoints, so the observed ratio's range is not measured"
    out["verdict"] = (f"{pred}; observed: {out['observed_first']} first, {other['run']} at "
                      f"{out['ratio_true']:.2f}x {first['run']}'s FLOPs{spread} "
                      f"({'' if out['confident'] else 'the MLEs: '}"
                      f"{'right order' if out['order_right'] else 'WRONG order'}, ratio off by "
                      f"{abs(out['ratio_pred'] / out['ratio_true'] - 1):.0%})")
    return out


def to_markdown(result: dict, size: str) -> str:
    rows = ["| run | status | predicted loss | 90 % | true loss | predicted FLOPs | 90 % FLOPs | observed FLOPs |",
            "|---|---|---|---|---|---|---|---|"]

    def f(v, fmt):
        return "-" if v is None else format(v, fmt)

    def span(lo, hi, fmt):
        # an end past the loss law's asymptote has no FLOPs: say so rather than print "x--"
        if lo is None and hi is None:
            return "-"
        return f"{f(lo, fmt) if lo is not None else 'beyond the law'} to {f(hi, fmt) if hi is not None else 'beyond the law'}"

    for r in result["runs"]:
        rows.append(f"| {r['run']} | {r['status']} | {f(r['loss_pred'], '.3f')} | "
                    f"{span(r['loss_p5'], r['loss_p95'], '.3f')} | {f(r['loss_true'], '.3f')} | "
                    f"{f(r['flops_pred'], '.3g')} | {span(r['flops_lo'], r['flops_hi'], '.3g')} | "
                    f"{f(r['flops_true'], '.3g')} |")
    return (f"# Data quality: which series emerges first (FLOPs of size {size})\n\n**{result['verdict']}**\n\n"
            + "\n".join(rows) + "\n")


def to_html(result: dict, size: str) -> str:
    """The study for Snakemake's report: the verdict (predicted vs observed) first, then each run."""
    import html

    import pandas as pd

    from emergence.figures.output import table_html

    def flops(v, end=False):  # FLOPs as 3.72e+11; an interval end past the loss law's asymptote said in words
        return format(v, ".3g") if v is not None else ("beyond the law" if end else None)

    df = pd.DataFrame([dict(run=r["run"], status=r["status"], loss_pred=r["loss_pred"], loss_p5=r["loss_p5"],
                            loss_p95=r["loss_p95"], loss_true=r["loss_true"], flops_pred=flops(r["flops_pred"]),
                            flops_lo=flops(r["flops_lo"], r["flops_pred"] is not None),
                            flops_hi=flops(r["flops_hi"], r["flops_pred"] is not None), flops_true=flops(r["flops_true"]))
                       for r in result["runs"]])
    return (f"<h2>Data quality: which series emerges first (FLOPs of size {html.escape(str(size))})</h2>"
            f'<p style="font-size:120%"><b>{html.escape(result["verdict"])}</b></p>'
            + table_html(df, caption="Each series' emergence point: predicted (90 %) and observed, in loss and FLOPs"))
