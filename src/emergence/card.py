"""A forecast card per task: the prediction, its 90 % intervals, status and reason,
the baselines scored beside it, how far ahead it held, the next run to buy, and a verdict
in words. Built from a fit JSON (emergence.fit) alone, so it works on observations made
elsewhere too (`python -m emergence.fit ... --card`); the workflow adds Table 2's
scorecard and horizon where it has them.

Verdicts:
- `unidentifiable`: no prediction (reason says why);
- `weak`: a prediction the data do not pin (wide or disagreeing intervals, ...), one fitted
  on checkpoints past the truth, or a forecast that the fitted checkpoints contradict;
- `no better than trivial`: the law is not closer to the truth than "emergence at the
  most capable fitted checkpoint", or, with no truth yet, its 90 % interval still includes
  that checkpoint (the data do not say emergence is any further off);
- `missed` (with a truth): pinned, but off by more than 0.1 nats, the paper's failure bar;
- `trust`: pinned, within 0.1 nats where the truth is known, and better than the trivial
  forecast.

A verdict that a truth elsewhere in its range (its bootstrap and its elbow on shorter series:
truth_range) would overturn keeps its word, and its reason says so (robust()).
"""
from __future__ import annotations

import math

from emergence.baselines import contradicted
from emergence.values import FAIL_NATS, RISE_SDS, TIE_NATS, error_span, num, truth_range, truthy, within_all

VERDICTS = ("trust", "weak", "missed", "no better than trivial", "unidentifiable")
NAMES = {"trivial": "trivial (emergence at the most capable fitted checkpoint)",
         "fewshot_only": "few-shot rows only (ReLU)",
         "two_step": "two-step (loss -> logprob_norm -> accuracy)",
         "passuntil": "PassUntil (pass-rate law to the emergence level)"}


def _f(v, d=3):
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{d}f}"


def verdict(fit: dict) -> tuple[str, str]:
    st = fit.get("status")
    if st == "unidentifiable" or fit.get("emergence_point_mle") is None:
        return "unidentifiable", fit.get("reason") or "no prediction"
    triv = (fit.get("baselines") or {}).get("trivial") or {}
    if st == "weak":
        why = fit.get("reason") or "the data do not pin the prediction"
        if fit.get("error_nats") is not None and triv.get("error") is not None and \
                fit["error_nats"] >= triv["error"] - TIE_NATS:
            why += f"; and the trivial forecast was as close or closer ({triv['error']:.3f} vs {fit['error_nats']:.3f} nats)"
        return "weak", why
    if fit.get("ground_truth") is not None:
        if triv.get("error") is not None and fit["error_nats"] >= triv["error"] - TIE_NATS:  # a tie is no win
            return "no better than trivial", (f"the law is off by {fit['error_nats']:.3f} nats, the trivial forecast "
                                              f"by {triv['error']:.3f}")
        past = fit.get("n_kept_past_truth") or 0
        if past:  # the selection kept rising checkpoints: the fit saw the answer
            return "weak", (f"the fit used {past} checkpoint(s) past the true emergence point (kept as "
                            f"pre-emergence by the selection), so its error of {fit['error_nats']:.3f} nats is "
                            "not a forecast's")
        if fit["error_nats"] > FAIL_NATS:  # closer than trivial is no comfort past the failure bar
            return "missed", (f"off by {fit['error_nats']:.3f} nats (> {FAIL_NATS}); the trivial forecast by "
                              f"{_f(triv.get('error'))}")
        return "trust", f"off by {fit['error_nats']:.3f} nats; the trivial forecast by {_f(triv.get('error'))}"
    pi = fit.get("profile_interval") or {}
    if contradicted(fit["emergence_point_mle"], triv.get("E"), pi):  # the fit says weak too; a table's own JSON may not
        return "weak", (f"the prediction ({fit['emergence_point_mle']:.3f} nats) lies before the most capable "
                        f"fitted checkpoint ({triv['E']:.3f}), which is still at the floor: the data contradict it")
    if triv.get("E") is not None and pi and pi["lo"] <= triv["E"] <= pi["hi"]:
        return "no better than trivial", ("the 90 % interval includes emergence at the most capable fitted "
                                          f"checkpoint ({triv['E']:.3f} nats)")
    return "trust", "pinned by the data and beyond the most capable fitted checkpoint"


def robust(fit: dict, word: str) -> tuple[bool | None, str | None]:
    """Does the verdict hold wherever in truth_range the truth lies? verdict()'s own comparisons
    at both ends of the range (the law's error minus the trivial forecast's is monotone in the
    truth, and the largest error of either lies at an end): a `trust` needs the law within the
    failure bar and closer than the trivial forecast (by more than TIE_NATS) throughout, a `missed`
    closer but past the bar throughout, a `no better than trivial` never closer. Other verdicts
    (`weak` for checkpoints kept past the truth, say) are not rechecked. None where no truth or no
    range decides the verdict."""
    rng, e = truth_range(fit), fit.get("emergence_point_mle")
    triv = ((fit.get("baselines") or {}).get("trivial") or {}).get("E")
    if rng is None or e is None or word not in ("trust", "missed", "no better than trivial"):
        return None, None
    lo, hi = rng
    closer = [triv is None or abs(e - t) < abs(triv - t) - TIE_NATS for t in (lo, hi)]
    e_min, e_max = error_span(e, lo, hi)
    holds = {"trust": all(closer) and within_all(e, lo, hi), "missed": all(closer) and e_min > FAIL_NATS + 1e-9,
             "no better than trivial": not any(closer)}[word]
    if holds:
        return True, None
    t = "" if triv is None else ", the trivial forecast's {:.3f}-{:.3f}".format(*error_span(triv, lo, hi))
    return False, (f"not robust to where the truth lies: anywhere in {lo:.3f}-{hi:.3f} (its bootstrap and shorter "
                   f"series), the law's error runs {e_min:.3f}-{e_max:.3f} nats{t}")


def build(fit: dict, scorecard=None, horizon=None, compute=None) -> dict:
    """scorecard: rows of tables.scorecard's summary for this task (dicts); horizon: rows of
    horizon.compute_horizon (dicts); compute: horizon.flops_forecast (the prediction in
    training FLOPs of one run)."""
    word, why = verdict(fit)
    holds, caveat = robust(fit, word)
    why += f"; {caveat}" if caveat else ""
    nr = fit.get("next_run") or {}
    held = None
    if horizon:
        ok = [h for h in horizon if h.get("error_nats") is not None and not h.get("failed")]
        if ok:
            best = max(ok, key=lambda h: h["k"])
            held = dict(ablation=best["ablation"], flops_ratio_to_truth=best.get("ratio_truth"))
            if truth_range(fit) is not None:  # the deepest row within 0.1 of every truth in the range, if any
                steady = [h for h in ok if truthy(h.get("within_range"))]
                best = max(steady, key=lambda h: h["k"]) if steady else {}
                held.update(ablation_range=best.get("ablation"), flops_ratio_to_early_truth=best.get("ratio_truth_early"))
    return dict(task=fit.get("task"), metric=fit.get("metric"), prediction=fit.get("emergence_point_mle"),
                intervals=fit.get("intervals"), status=fit.get("status"), reason=fit.get("reason"),
                ground_truth=fit.get("ground_truth"), ground_truth_interval=fit.get("ground_truth_interval"),
                ground_truth_cuts=fit.get("ground_truth_cuts"), truth_range=truth_range(fit), verdict_robust=holds,
                error_nats=fit.get("error_nats"),
                baselines=fit.get("baselines"), scorecard=scorecard, horizon=held,
                next_run=dict(best=nr.get("best"), width_before=nr.get("width_before"), method=nr.get("method"))
                if nr else None,
                verdict=word, verdict_reason=why, n_ckpts=fit.get("n_ckpts"),
                prior_sensitivity=fit.get("prior_sensitivity"), n_kept_past_truth=fit.get("n_kept_past_truth"),
                rise_sds=fit.get("rise_sds"),
                compute=_compute(compute))


def _compute(c):
    """JSON-safe: infinite FLOPs (a loss below the run's asymptote) become None, flagged."""
    if not c:
        return None
    out = {k: (None if isinstance(v, float) and math.isinf(v) else v) for k, v in c.items() if k != "law"}
    out["beyond_asymptote"] = c.get("flops_mle") == math.inf
    return out


def _flops(v):
    return "never at this size" if v is None else f"{v:.3g}"


def compute_line(card: dict) -> str | None:
    c = card.get("compute")
    if not c or (c.get("flops_mle") is None and not c.get("beyond_asymptote")):
        return None
    when = ("no FLOPs: the predicted loss lies below the run's loss asymptote" if c.get("beyond_asymptote")
            else f"{c['flops_mle']:.3g} FLOPs ({c['ratio_mle']:.2f}x its last checkpoint's {c['flops_last']:.3g})")
    band = f"; 90 % {_flops(c.get('flops_lo'))} - {_flops(c.get('flops_hi'))}" if c.get("flops_lo") is not None else ""
    return f"size {c['size']} reaches the predicted loss at {when}{band} (its loss-vs-FLOPs power law, extrapolated)"


def cuts_line(card: dict) -> str | None:
    """Where shorter series put the truth (law.relu_cuts), or None where that was not measured."""
    gc = card.get("ground_truth_cuts")
    if not gc:
        return None
    return (f"the truth on shorter series (the checkpoints down to each loss past its elbow, from the third): "
            f"{_f(gc.get('lo'))}-{_f(gc.get('hi'))} ({gc.get('n', '-')} of {gc.get('n_tried', gc.get('n', '-'))} stops "
            f"pin one; it moves by up to {_f(gc.get('max_move'))} nats, with the checkpoints down to loss "
            f"{_f(gc.get('at'))})")


def rise_line(card: dict) -> str | None:
    """Which data amounts rise clearly by themselves inside the fitted checkpoints, and which
    the law places by the slope they share with the others. None when every D rises."""
    rs = card.get("rise_sds") or {}
    if not rs:
        return None
    flat = sorted((d for d, v in rs.items() if v is None or v < RISE_SDS), key=float)  # JSON sorts keys as text
    if not flat:
        return None
    names = ", ".join(f"{float(d):,.0f}" for d in flat)
    return (f"{len(rs) - len(flat)} of {len(rs)} data amounts rise clearly (>= {RISE_SDS:g} residual sds) inside "
            f"the fitted checkpoints; the law's E(D) for D = {names} rests on the slope shared with the "
            "others, not on those rows' own elbow (Fig. 4(b))")


def one_line(card: dict) -> str:
    p = card["prediction"]
    head = f"{card['task']}: {card['verdict'].upper()}"
    if p is None:
        return f"{head} - no prediction ({card['verdict_reason']})"
    # the predictive interval first: the others assume the law is E(D) exactly
    ivs = card.get("intervals") or {}
    name, iv = next(((k, ivs[k]) for k in ("predictive", "MCMC", "profile") if isinstance(ivs.get(k), dict)),
                    (None, None))
    band = f" (90 % {name} {iv['lo']:.3f}-{iv['hi']:.3f})" if iv else ""
    truth = f", truth {card['ground_truth']:.3f}" if card.get("ground_truth") is not None else ""
    when = f"; {compute_line(card)}" if card.get("status") == "forecast" and compute_line(card) else ""
    return f"{head} - emergence at loss {p:.3f}{band}{truth}; {card['verdict_reason']}{when}"


def to_markdown(card: dict) -> str:
    out = [f"# Forecast card: {card['task']}", "", f"**Verdict: {card['verdict']}** - {card['verdict_reason']}", ""]
    out += [f"- prediction (MLE of E(D0)): {_f(card['prediction'])} nats of pretraining loss, "
            f"from {card.get('n_ckpts')} pre-emergence checkpoints",
            f"- status: {card['status']}" + (f" ({card['reason']})" if card.get("reason") else ""),
            f"- ground truth (few-shot elbow over every checkpoint): {_f(card.get('ground_truth'))}"
            + (f" (for scale, the truth's own 90 % interval: {_f(gi['lo'])}-{_f(gi['hi'])})"
               if (gi := card.get("ground_truth_interval")) else "")
            + (f"; error {_f(card.get('error_nats'))}" if card.get("error_nats") is not None else "")]
    if cl := cuts_line(card):
        out.append(f"- {cl}")
    if card.get("n_kept_past_truth"):
        out.append(f"- the fit used {card['n_kept_past_truth']} checkpoint(s) past the true emergence point (the "
                   "selection kept them as pre-emergence): its error is a nowcast's, not a forecast's")
    if rl := rise_line(card):
        out.append(f"- {rl}")
    ps = card.get("prior_sensitivity")
    if ps:
        out.append(f"- alpha sits at its prior's end {ps['bound']:g}; with alpha in [{ps['widened'][0]:g}, "
                   f"{ps['widened'][1]:g}] the MLE is {_f(ps.get('e0'))} (moves {_f(ps.get('shift'))} nats)")
    if compute_line(card):
        out.append(f"- in compute: {compute_line(card)}")
    ivs = card.get("intervals") or {}
    if ivs:
        out += ["", "| 90 % interval | low | mid | high |", "|---|---|---|---|"]
        for k, v in ivs.items():
            out.append(f"| {k} | {_f(v['lo'])} | {_f(v['mid'])} | {_f(v['hi'])} |" if isinstance(v, dict)
                       else f"| {k} | {v} | | |")
        p = card["prediction"]
        outside = [k for k, v in ivs.items() if isinstance(v, dict) and p is not None and not v["lo"] <= p <= v["hi"]]
        if outside:
            out += ["", f"The MLE lies outside the {' and '.join(outside)} interval: the MLE is the joint "
                        "likelihood's peak, an equal-tailed interval is of E(D0)'s marginal, whose mass lies "
                        "to one side of the peak (a likelihood that stays high as E(D0) moves away from the data)."]
    b = card.get("baselines") or {}
    if b:
        out += ["", "| forecast | emergence point | error (nats) | note |", "|---|---|---|---|",
                f"| emergence law | {_f(card['prediction'])} | {_f(card.get('error_nats'))} | |"]
        for k, v in sorted(b.items(), key=lambda kv: list(NAMES).index(kv[0]) if kv[0] in NAMES else 99):
            out.append(f"| {NAMES.get(k, k)} | {_f(v.get('E'))} | {_f(v.get('error'))} | {v.get('reason') or ''} |")
    if card.get("scorecard"):
        out += ["", "Table 2 scorecard (rows: the table's rows that are ablations of this run's data; scored: those "
                    "where the forecast gave a number; within 0.1 nats, of the reported truth and of every truth in "
                    "its range; horizon_k: '-k Last Checkpoints' still within):",
                "", "| forecast | rows | scored | within 0.1 | within 0.1, every truth in range | closest | median error "
                    "| horizon_k |",
                "|---|---|---|---|---|---|---|---|"]
        for r in card["scorecard"]:
            wr = "-" if num(r.get("within_range")) is None else int(num(r["within_range"]))
            out.append(f"| {r['forecast']} | {r.get('rows', '-')} | {r['rows_scored']} | {r['within']} | {wr} | "
                       f"{r['closest']} | {_f(r.get('median_error'))} | {r['horizon_k']} |")
    h = card.get("horizon")
    if h:
        ratio = h.get("flops_ratio_to_truth")
        early = h.get("flops_ratio_to_early_truth")
        out += ["", f"- held within 0.1 nats up to '{h['ablation']}'"
                + (f": {ratio:.2f}x the FLOPs of the last checkpoint used" if ratio else "")
                + ("" if "ablation_range" not in h else "; within 0.1 of every truth in its range up to "
                   + (f"'{h['ablation_range']}'" + (f": at least {early:.2f}x" if early else
                                                    " (its earliest truth has no FLOPs along the run)")
                      if h["ablation_range"] else "no row"))]
    nr = card.get("next_run")
    if nr and nr.get("best"):
        best = nr["best"]
        where = best.get("ckpt") or f"the checkpoint at loss {best['loss']:.3f}"
        out += ["", f"- next run to buy: D = {best['data_amount']:g} on {where} ({best['n_runs']} draws): the "
                f"narrowest expected 90 % profile width of the candidates, {best['width_after']:.3f} nats (now "
                f"{nr['width_before']:.3f}); rows simulated at the law's own prediction without noise, so a ranking "
                f"of candidates, not a promised width ({nr['method']})"]
    return "\n".join(out) + "\n"


def to_html(card: dict) -> str:
    """The card for Snakemake's report: the verdict first, then its tables (pandas Styler)."""
    import html

    import pandas as pd

    from emergence.figures.output import table_html

    esc = html.escape
    colour = {"trust": "#1b7a2f", "weak": "#a15c00", "missed": "#b00020", "no better than trivial": "#b00020",
              "unidentifiable": "#b00020"}.get(card["verdict"], "#333")
    out = [f"<h2>Forecast card: {esc(str(card['task']))}</h2>",
           f'<p style="font-size:120%"><b style="color:{colour}">{esc(card["verdict"])}</b> - '
           f"{esc(card['verdict_reason'])}</p>",
           f"<p>{esc(one_line(card))}</p>"]
    if compute_line(card):
        out.append(f"<p>In compute: {esc(compute_line(card))}.</p>")
    if cuts_line(card):
        out.append(f"<p>Ground truth {_f(card.get('ground_truth'))}; {esc(cuts_line(card))}.</p>")
    if rise_line(card):
        out.append(f"<p>{esc(rise_line(card))}.</p>")
    ivs = card.get("intervals") or {}
    rows = [dict(view=k, low=v["lo"], mid=v["mid"], high=v["hi"]) if isinstance(v, dict) else dict(view=k, note=v)
            for k, v in ivs.items()]
    if rows:
        out.append(table_html(pd.DataFrame(rows), caption="90 % intervals of the emergence point (nats)"))
    b = card.get("baselines") or {}
    rows = [dict(forecast="emergence law", emergence_point=card["prediction"], error_nats=card.get("error_nats"))]
    rows += [dict(forecast=NAMES.get(k, k), emergence_point=v.get("E"), error_nats=v.get("error"),
                  note=v.get("reason")) for k, v in sorted(b.items(), key=lambda kv: list(NAMES).index(kv[0])
                                                           if kv[0] in NAMES else 99)]
    out.append(table_html(pd.DataFrame(rows), caption="The law beside simpler forecasts"))
    if card.get("scorecard"):
        out.append(table_html(pd.DataFrame(card["scorecard"]), caption="Table 2 scorecard"))
    nr = card.get("next_run")
    if nr and nr.get("best"):
        best = nr["best"]
        out.append(f"<p>Next run to buy: D = {best['data_amount']:g} on {esc(str(best.get('ckpt') or best['loss']))}"
                   f" ({best['n_runs']} draws): the narrowest expected 90 % profile width of the candidates, "
                   f"{best['width_after']:.3f} nats (now {nr['width_before']:.3f}; noise-free rows at the law's "
                   f"prediction: a ranking, not a promise).</p>")
    return "\n".join(out) + "\n"


def write(card: dict, md_path: str, json_path: str, html_path: str | None = None):
    from emergence.io import write_json, write_text

    write_text(to_markdown(card), md_path)
    write_json(card, json_path)
    if html_path:
        write_text(to_html(card), html_path)


def main(argv=None) -> int:
    """`python -m emergence.card CONFIG [WORKDIR]`: print the one-line summaries of a finished
    run's cards (what `make run` shows when it ends)."""
    import argparse
    import os
    import re
    import sys

    import yaml

    from emergence.config import load_schema

    ap = argparse.ArgumentParser(prog="python -m emergence.card", allow_abbrev=False,
                                 description="Print the forecast cards' one-line summaries of a finished run.")
    ap.add_argument("config", help="the run's config file (its name: picks results/<name>/)")
    ap.add_argument("workdir", nargs="?", default=".", help="where results/ lies (default: here)")
    a = ap.parse_args(argv)
    try:
        with open(a.config) as f:
            cfg = yaml.safe_load(f) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        print(f"{a.config}: cannot read the config ({type(e).__name__}: {str(e).splitlines()[0]})", file=sys.stderr)
        return 2
    if not isinstance(cfg, dict):
        print(f"{a.config}: expected a YAML mapping (a config), got a {type(cfg).__name__}", file=sys.stderr)
        return 2
    name, pattern = cfg.get("name"), load_schema()["properties"]["name"]["pattern"]
    if not isinstance(name, str) or not re.fullmatch(pattern, name):  # never a path out of results/
        print(f"{a.config}: field 'name': {name!r}, expected a run name ({pattern})", file=sys.stderr)
        return 2
    path = os.path.join(a.workdir, "results", name, "cards", "summary.txt")
    if not os.path.isfile(path):
        print(f"no forecast cards at {path} (no fitted task, or the run did not finish)", file=sys.stderr)
        return 0
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read().rstrip()
    except (OSError, UnicodeDecodeError) as e:
        print(f"{path}: cannot read the cards' summary ({type(e).__name__})", file=sys.stderr)
        return 2
    print(f"Forecast cards ({os.path.dirname(path)}/<task>.md):")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
