"""The not-yet-emerged case study (paper §7.2, Figs. 10 and 18): a forecast made before any
checkpoint has emerged, checked once a longer run of the same models exists.

This run (a series stopped before emergence) forecasts the emergence loss with its 90 %
intervals and, through its loss-vs-FLOPs power law, the training FLOPs at which one size
gets there (emergence.horizon.flops_forecast). `future.longer` names a run that trained the
same models for longer (results/<longer>); its ground truth (few-shot elbow over every
checkpoint) and the FLOPs at which the size reached it (emergence.horizon.flops_at_loss)
are what the forecast is scored against, beside the trivial forecast "emergence at the most
capable checkpoint fitted".
"""
from __future__ import annotations

import math

import pandas as pd

from emergence import horizon
from emergence.values import error_span, truth_range
from emergence.values import num as _num


def check(fit: dict, checkpoints: pd.DataFrame, longer_fit: dict, longer_ck: pd.DataFrame, size: str) -> dict:
    """The forecast of `fit` against the truth of `longer_fit`, in loss and in FLOPs of `size`."""
    raw = horizon.flops_forecast(checkpoints, fit, size=size) or {}
    fc = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in raw.items() if k != "law"}
    e, truth = _num(fit.get("emergence_point_mle")), _num(longer_fit.get("ground_truth"))
    triv = _num(((fit.get("baselines") or {}).get("trivial") or {}).get("E"))
    ivs = {k: v for k, v in (fit.get("intervals") or {}).items() if isinstance(v, dict)}
    out = dict(status=fit.get("status"), prediction=e, intervals=ivs, truth=truth, trivial=triv,
               error=abs(e - truth) if e is not None and truth is not None else None,
               trivial_error=abs(triv - truth) if triv is not None and truth is not None else None,
               covered={k: v["lo"] <= truth <= v["hi"] for k, v in ivs.items()} if truth is not None else {},
               size=size, flops_pred=fc.get("flops_mle"), flops_lo=fc.get("flops_lo"), flops_hi=fc.get("flops_hi"),
               flops_last=fc.get("flops_last"),  # no interval without percentiles; inf (open) is one
               flops_interval=raw.get("flops_lo") is not None and raw.get("flops_hi") is not None,
               flops_true=horizon.flops_at_loss(longer_ck, size, truth) if truth is not None else None,
               # where the longer run's truth could lie (its bootstrap, its elbow on shorter series)
               truth_range=truth_range(longer_fit))
    out["verdict"] = verdict(out)
    return out


def verdict(c: dict) -> str:
    if c["prediction"] is None:
        return "no forecast (the fit made no prediction)"
    head = f"forecast {c['prediction']:.3f} nats ({c['status']})"
    if c["truth"] is None:
        return head + "; the longer run has not emerged either: nothing to check yet"
    cover = ", ".join(f"{k} {'covers' if v else 'misses'}" for k, v in c["covered"].items())
    s = f"{head}; the longer run emerged at {c['truth']:.3f}: off by {c['error']:.3f} nats ({cover})"
    if c["trivial_error"] is not None:
        s += f"; the trivial forecast off by {c['trivial_error']:.3f}"
    if rng := c.get("truth_range"):
        def span(x):
            return "{:.3f}-{:.3f}".format(*error_span(x, *rng))
        s += (f"; with the truth anywhere in {rng[0]:.3f}-{rng[1]:.3f} (its bootstrap, shorter series) off by "
              f"{span(c['prediction'])}" + (f", the trivial forecast by {span(c['trivial'])}" if c["trivial"] is not None
                                            else ""))
    if c["flops_pred"] and c["flops_true"]:
        s += (f"; in FLOPs of size {c['size']}: forecast {c['flops_pred']:.3g}, reached at {c['flops_true']:.3g} "
              f"({c['flops_pred'] / c['flops_true']:.2f}x)")
    return s


def to_markdown(c: dict) -> str:
    rows = ["| 90 % interval | low | high | covers the later truth |", "|---|---|---|---|"]
    rows += [f"| {k} | {v['lo']:.3f} | {v['hi']:.3f} | {c['covered'].get(k, '-')} |" for k, v in c["intervals"].items()]
    return f"# Not yet emerged: the forecast against a longer run\n\n**{c['verdict']}**\n\n" + "\n".join(rows) + "\n"


def to_html(c: dict) -> str:
    """The check for Snakemake's report: the verdict (forecast vs the longer run) first, then the intervals."""
    import html

    import pandas as pd

    from emergence.figures.output import table_html

    rows = [dict(interval=k, low=v["lo"], high=v["hi"], covers_the_later_truth=c["covered"].get(k))
            for k, v in c["intervals"].items()]
    out = ("<h2>Not yet emerged: the forecast against a longer run</h2>"
           f'<p style="font-size:120%"><b>{html.escape(c["verdict"])}</b></p>')
    return out + (table_html(pd.DataFrame(rows), caption="90 % intervals of the emergence point (nats)") if rows else "")
