"""Fit the emergence law to one task of an observations table; CLI.

    python -m emergence.fit OBSERVATIONS.csv --task T --out FIT.json [--metric M] [--method M]
        [--d0 X] [--variant V] [--chance C] [--mcmc-steps N] [--mcmc-max-steps N] [--no-mcmc]
        [--bootstrap N] [--seed S] [--card]

--card also writes a forecast card (emergence.card) beside --out: FIT.card.md and
FIT.card.json, with the next finetuning run to buy, and prints its one-line summary.

The table's format and checks: emergence.observations. The pipeline: pre-emergence
checkpoints (emergence.selection), MLE within data-implied priors (emergence.law,
emergence.priors), three views of the uncertainty and a status (emergence.uncertainty).
"""
from __future__ import annotations

import argparse
import math
import os
import sys

import numpy as np
import pandas as pd

from emergence import baselines, card, law, nextrun, priors as priors_mod, selection as selection_mod, uncertainty
from emergence.io import json_safe, write_json  # noqa: F401  (write_json: the CLI's writer)
from emergence.observations import (InputError, check_chance, check_obs, ckpt_ids, default_method,  # noqa: F401
                                    read_obs, simulate_obs, task_frame)
from emergence.values import FAIL_NATS, LACK_OF_FIT_P, TIE_NATS  # noqa: F401  (FAIL_NATS re-exported: emergence.fit.FAIL_NATS)

MCMC_KEYS = set(uncertainty.MCMC_DEFAULTS)
VERDICT_DEFAULTS = dict(max_width=0.5, max_disagreement=0.1)


def config_options(fit_config: dict) -> dict:
    """fit_task keywords from the config's `fit` section (schema: fit.priors, fit.selection, ...)."""
    pri = dict(fit_config.get("priors") or {})
    if "alpha" in pri:
        pri["alpha"] = tuple(pri["alpha"])
    return dict(priors=pri, selection=fit_config.get("selection") or {},
                max_width=fit_config.get("max_interval_width", VERDICT_DEFAULTS["max_width"]),
                max_disagreement=fit_config.get("max_disagreement", VERDICT_DEFAULTS["max_disagreement"]))


def _check_options(d0, mcmc, bootstrap, seed, verdict, processes=1):
    if not isinstance(processes, (int, np.integer)) or isinstance(processes, bool) or processes < 1:
        raise InputError(f"processes: expected a whole number >= 1, got {processes!r}")
    if d0 is not None and not (isinstance(d0, (int, float, np.number)) and math.isfinite(d0) and d0 > 0):
        raise InputError(f"d0: expected a number > 0, got {d0!r}")
    if mcmc is not None:
        unknown = set(mcmc) - MCMC_KEYS
        if unknown:
            raise InputError(f"mcmc: unknown option(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(MCMC_KEYS))}")
        m = {**uncertainty.MCMC_DEFAULTS, **mcmc}
        for k, lo in (("nwalkers", 8), ("nsteps", 100), ("max_steps", 100), ("min_ess", 1)):
            if not isinstance(m[k], (int, np.integer)) or isinstance(m[k], bool) or m[k] < lo:
                raise InputError(f"mcmc.{k}: expected a whole number >= {lo}, got {m[k]!r}")
        if m["max_steps"] < m["nsteps"]:
            raise InputError(f"mcmc.max_steps ({m['max_steps']}) is below mcmc.nsteps ({m['nsteps']})")
    if bootstrap is not None:
        n = bootstrap.get("n", 100)
        if set(bootstrap) - {"n"} or not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
            raise InputError(f"bootstrap: expected {{n: whole number >= 0}}, got {bootstrap!r}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or not 0 <= seed < 2**32:
        raise InputError(f"seed: expected a whole number in [0, 2^32), got {seed!r}")
    for k, v in verdict.items():
        if k not in VERDICT_DEFAULTS or not isinstance(v, (int, float)) or not v > 0:
            raise InputError(f"{k}: expected a number > 0 (one of {', '.join(VERDICT_DEFAULTS)}), got {v!r}")


def fit_task(obs: pd.DataFrame, task, metric=None, d0=None, variant="log_power", chance=None,
             mcmc=None, bootstrap=None, priors=None, seed=0, method=None, num_fewshot=None,
             slope_per_D=False, fit_ckpts=None, loss_cutoff=None, select=None, selection=None,
             profile=True, next_run=False, processes=1, **verdict) -> dict:
    """Predict the few-shot emergence point of one task from its pre-emergence checkpoints.

    mcmc / bootstrap: None to skip, else dicts of options ({} for defaults; mcmc: see
    uncertainty.MCMC_DEFAULTS; bootstrap: n). priors: emergence.priors settings
    (emergence_margin, slope_ratio, alpha). selection: emergence.selection settings (z,
    z_confirm, min_margin). fit_ckpts (list of ckpt ids) or loss_cutoff (keep checkpoints
    with pretrain_loss >= cutoff) override the pre-emergence rule. select: optional function
    applied to the pre-emergence rows before fitting (hold-out ablations); the ground truth
    always uses every few-shot row. d0 defaults to the few-shot N; N = 0 falls back to D0 = 1
    (log 1 = 0, so E(D0) = C under the log power law). verdict: max_width (0.5 nats),
    max_disagreement (0.1 nats) for the status below. next_run: also suggest the finetuning
    run that would narrow the interval most (emergence.nextrun; ~0.5 s per candidate).
    processes: the bootstrap refits and next-run candidates in that many forked workers
    (emergence.parallel), with the same result.

    status: 'ok' (prediction pinned by the data, ground truth known), 'forecast' (pinned;
    nothing has emerged yet, so no ground truth), 'weak' (a prediction the data do not pin:
    a 90 % interval wider than max_width, an interval open at the prior's end, views that
    disagree, a chain that did not converge, a prediction that moves with the end of alpha's
    prior where the MLE sits on it, a law that a free elbow per D fits far better
    (law.lack_of_fit, p < LACK_OF_FIT_P), or no interval computed at all; see reason),
    'unidentifiable' (no prediction)."""
    if variant not in law.VARIANTS:
        raise InputError(f"variant: unknown {variant!r}; choices: {', '.join(law.VARIANTS)}")
    _check_options(d0, mcmc, bootstrap, seed, verdict, processes)
    if variant != "power" and d0 is not None and d0 < 1:  # log D0 < 0: no real (log D0)^alpha
        raise InputError(f"d0: expected >= 1 for the {variant} law (it raises log D0 to a power), got {d0!r}")
    verdict = {**VERDICT_DEFAULTS, **verdict}
    df, metric, method, N = task_frame(obs, task, metric, method, num_fewshot)
    chance = check_chance(chance, df, task, metric)
    d0 = float(d0) if d0 is not None else float(max(N, 1))
    fs = df["data_amount"] == 0
    fsd = df[fs].assign(se2=df.loc[fs, "stderr"].astype(float) ** 2 if "stderr" in df else np.nan)
    per_ckpt = fsd.groupby("ckpt_id").agg(loss=("pretrain_loss", "mean"), y=("value", "mean"),
                                          se2=("se2", "mean"), n=("value", "size"))
    sel = selection_mod.pre_emergence(per_ckpt["loss"], per_ckpt["y"], np.sqrt(per_ckpt["se2"] / per_ckpt["n"]),
                                      chance, names=per_ckpt.index, **(selection or {}))
    pre, why = sel.mask, sel.reason
    if fit_ckpts is not None:
        pre, why = per_ckpt.index.isin([str(c) for c in fit_ckpts]), "checkpoints given by the caller"
    elif loss_cutoff is not None:
        pre, why = per_ckpt["loss"].to_numpy() >= loss_cutoff, f"checkpoints with loss >= {loss_cutoff}"
    pre_ids = per_ckpt.index[pre]
    out = dict(task=str(task), metric=metric, variant=variant, method=method, num_fewshot=N, d0=d0,
               chance=chance, floor=sel.floor, floor_noise=sel.noise, selection_reason=why,
               slope_per_D=slope_per_D, emergence_point_mle=None, intervals=None, percentiles=None,
               percentiles_reason=None, bootstrap_percentiles=None, bootstrap_n_ok=None, profile_interval=None,
               ground_truth=None, ground_truth_reason=None, ground_truth_interval=None, ground_truth_cuts=None,
               error_nats=None,
               error_percentiles=None, failed=None,
               params=None, priors=None, loglik=None, ess=None, tau=None, mcmc_converged=None, mcmc_steps=None,
               mcmc_diagnostics=None, n_informative_D=None, rise_sds=None, beats_trivial=None, next_run=None,
               prior_sensitivity=None, lack_of_fit=None, discrepancy=None, predictive_percentiles=None,
               predictive_e0_quantiles=None,
               status="unidentifiable", reason=None)

    # ground truth: elbow of the few-shot metric over all checkpoints
    if pre.all() and fit_ckpts is None and loss_cutoff is None:
        # the floor is what the weakest checkpoints score: if they had already emerged, so has every one
        floor = "" if sel.floor is None else f" ({sel.floor:.4g}, set by the weakest checkpoints" + (
            f"; chance {chance:.4g})" if chance is not None else ")")
        out["ground_truth_reason"] = f"no checkpoint has emerged above the few-shot floor{floor}"
    else:
        # a few-shot curve that reaches its ceiling and stays there gets a plateau (law.fit_relu):
        # a plain ReLU bent through it puts the elbow among checkpoints still at the floor
        gt = law.fit_relu(df.loc[fs, "pretrain_loss"], df.loc[fs, "value"], plateau=True)
        out["ground_truth_reason"] = gt["reason"]
        out["ground_truth"] = gt["E"] if gt["reason"] is None else None
        out["ground_truth_plateau"] = gt["top"]
        if gt["reason"] is None and bootstrap is not None and bootstrap.get("n", 100) > 0:
            # the truth's own 90 % interval, for scale; a bootstrap, so only where one is asked
            # for (the fit stage, Table 3), not again on every Table 2 row: the truth is the task's
            out["ground_truth_interval"] = law.relu_interval(df.loc[fs, "pretrain_loss"], df.loc[fs, "value"], seed=seed,
                                                             plateau=True)
            # and where a series stopped earlier would have put it: a ragged rise moves it more than noise does
            out["ground_truth_cuts"] = law.relu_cuts(df.loc[fs, "pretrain_loss"], df.loc[fs, "value"], plateau=True)

    fit_df = df[df["ckpt_id"].isin(pre_ids)]
    # before any hold-out: what a Table 2 row could keep (tables: a row holding out nothing or everything is no ablation)
    pre_ft = fit_df.loc[fit_df["data_amount"] > 0, "subset_sample"]
    out["n_pre_emergence"], out["n_pre_rows"] = len(pre_ids), len(fit_df)
    out["pre_draws"] = sorted(int(v) for v in pre_ft.unique())
    if select is not None:
        fit_df = select(fit_df)
    out["fit_ckpts"] = sorted(fit_df["ckpt_id"].unique().tolist(),
                              key=lambda c: -per_ckpt.loc[c, "loss"])  # weakest first
    out["n_ckpts"], out["n_rows"] = len(out["fit_ckpts"]), len(fit_df)
    # the law pools series by their loss (its premise); say which went in
    out["series"] = sorted(fit_df["series"].astype(str).unique().tolist())
    if out["ground_truth"] is not None:  # rising checkpoints that the selection kept
        out["n_kept_past_truth"] = int((per_ckpt.loc[out["fit_ckpts"], "loss"] < out["ground_truth"]).sum())
    # simpler forecasts from the same rows, scored like the law (SPEC section 4; emergence.baselines)
    out["baselines"] = _baselines(obs, task, method, N, fit_df, per_ckpt, out["fit_ckpts"],
                                  chance if chance is not None else sel.floor, df.loc[fs, "pretrain_loss"],
                                  out["ground_truth"], sel.emerged_level)
    out["baseline_trivial"] = out["baselines"]["trivial"]["E"]
    out["baseline_trivial_error"] = out["baselines"]["trivial"]["error"]
    # how clearly each data amount rises by itself inside the fitted checkpoints: the law's
    # point for a D that does not rests on the slope it shares with the others (Fig. 4(b))
    out["rise_sds"] = {f"{d:g}": law.own_rise(g["pretrain_loss"], g["value"])
                       for d, g in fit_df[fit_df["data_amount"] > 0].groupby("data_amount")}
    L, y, D = (fit_df[c].to_numpy(float) for c in ("pretrain_loss", "value", "data_amount"))
    model = law.Model(L, y, D, d0, variant, slope_per_D)
    out["n_rows"] = model.n
    reason = law.degenerate(model) if model.n else "no rows left to fit"
    if not len(pre_ids) and fit_ckpts is None and loss_cutoff is None:  # the walk stopped at once: say what it saw
        reason = (f"no pre-emergence checkpoint: the one with the highest pretrain_loss already scores above the "
                  f"floor ({why}); a pretrain_loss column that rises with training, or a chance level "
                  f"below what the weakest checkpoints score, would look like this")
    if reason is None:
        pri = priors_mod.from_data(model.loss, model.y, **(priors or {}))
        r = law.fit_mle(model, pri)
        if r is None:
            reason = "no law inside the prior range fits these rows"
    if reason is None:
        pri = uncertainty.slopes_prior(pri, r["theta"], model)
        out["priors"] = pri.as_dict()
        reason, out["n_informative_D"] = law.check_fit(model, r["theta"], pri)
        out["params"] = dict(zip(model.names, r["theta"].tolist()))
        out["loglik"] = r["loglik"]
    if reason is not None:
        out["reason"] = reason
        return json_safe(out)

    views = {}
    if profile:
        prof = uncertainty.profile_interval(model, pri, r)
        r2 = law.fit_mle(model, pri, extra_starts=[prof["better"]]) if prof["better"] is not None else None
        if r2 is not None and r2["rss"] < r["rss"]:  # the search's optimum was local: the MLE moves
            r = r2
            out["params"], out["loglik"] = dict(zip(model.names, r["theta"].tolist())), r["loglik"]
            reason, out["n_informative_D"] = law.check_fit(model, r["theta"], pri)
            if reason is not None:
                out["reason"] = reason
                return json_safe(out)
            prof = uncertainty.profile_interval(model, pri, r)
    e0, truth = r["e0"], out["ground_truth"]
    if profile:
        out["profile_interval"] = {k: prof[k] for k in ("lo", "hi", "level", "open_lo", "open_hi")}
        out["profile_curve"] = dict(e0=prof["grid"], drop=prof["drop"])
        views["profile"] = dict(lo=prof["lo"], mid=e0, hi=prof["hi"], open_lo=prof["open_lo"], open_hi=prof["open_hi"])
    if mcmc is not None:
        m = uncertainty.run_mcmc(model, r["theta"], pri, seed=seed, starts=prof["starts"] if profile else None, **mcmc)
        out.update(mcmc_converged=m["converged"], ess=m["ess"], tau=m["tau"], mcmc_steps=m["steps"],
                   mcmc_diagnostics=m["diagnostics"], percentiles_reason=m["reason"])
        if m["converged"]:
            out["percentiles"] = p = uncertainty.percentiles(m["e0"])
            # the whole posterior of E(D0) for figures (Fig. 5's CDF), compactly: 199 quantiles
            out["posterior_e0_quantiles"] = uncertainty.cdf_quantiles(m["e0"])
            views["MCMC"] = dict(lo=p["p5"], mid=p["p50"], hi=p["p95"])
            if truth is not None:
                err = np.abs(m["e0"] - truth)
                out["error_percentiles"] = {"p5": float(np.percentile(err, 5)), "p95": float(np.percentile(err, 95))}
        else:
            views["MCMC"] = m["reason"]
    else:
        out["percentiles_reason"] = "mcmc not run"
    boot_fail = None
    if bootstrap is not None and bootstrap.get("n", 100) > 0:
        n_boot = bootstrap.get("n", 100)
        e0s, n_bad = uncertainty.bootstrap(L, y, D, d0, pri, variant, slope_per_D, n=n_boot, seed=seed,
                                           processes=processes)
        out["bootstrap_n"], out["bootstrap_n_ok"], boot_fail = n_boot, len(e0s), (n_bad, n_boot)
        if len(e0s) >= 10:
            out["bootstrap_percentiles"] = b = uncertainty.percentiles(e0s)
            out["bootstrap_e0"] = np.sort(np.asarray(e0s, float)).tolist()
            views["bootstrap"] = dict(lo=b["p5"], mid=b["p50"], hi=b["p95"])
    # the law's own error, from how far each D's elbow strays from it: the predictive view adds
    # it to the posterior (the other three assume the law exactly); the verdict sees its width
    out["lack_of_fit"] = lof = law.lack_of_fit(model, r["theta"])
    out["discrepancy"] = disc = uncertainty.discrepancy(model, r["theta"], lof, out["rise_sds"])
    pred = None
    if mcmc is not None:
        if not m["converged"]:
            pred = "the MCMC did not converge"
        elif "sd" not in disc:
            pred = disc["reason"]
        else:
            draws = uncertainty.predictive(m["e0"], disc["extra_sd_quantiles"], pri, seed)
            out["predictive_percentiles"] = q = uncertainty.percentiles(draws)
            out["predictive_e0_quantiles"] = uncertainty.cdf_quantiles(draws)  # Fig. 5
            pred = views["predictive"] = dict(lo=q["p5"], mid=q["p50"], hi=q["p95"])
    out["intervals"] = {n: v if isinstance(v, str) else {k: v[k] for k in ("lo", "mid", "hi")} for n, v in views.items()}
    if isinstance(pred, str):  # said, not judged: a missing law's-error term is not a weak prediction
        out["intervals"]["predictive"] = pred

    if next_run:
        names = {round(float(v), 9): c for c, v in per_ckpt["loss"].items()}
        out["next_run"] = nextrun.suggest(model, pri, r, n_draws=int(fit_df["subset_sample"].max() or 1),
                                          ckpt_names=names, processes=processes)
    out["prior_sensitivity"] = sens = uncertainty.prior_sensitivity(model, pri, r)
    word, reasons = uncertainty.verdict(e0, views, pri, boot_fail=boot_fail, sensitivity=sens, **verdict)
    if truth is None and word != "unidentifiable":
        doubts = _forecast_doubts(e0, out, sel, per_ckpt, fit_ckpts is None and loss_cutoff is None)
        word, reasons = ("weak" if doubts else word), reasons + doubts
    if lof is not None and lof["p"] < LACK_OF_FIT_P and word != "unidentifiable":
        word = "weak"
        sd = f"; the predictive interval adds their spread about the law ({disc['sd']:.3g} nats a D)" \
            if "sd" in disc else ""
        reasons = reasons + [f"the law does not describe how the elbow moves with D: a free elbow per D fits the "
                             f"finetuned rows far better (F = {lof['F']:.3g} on {lof['df1']} and {lof['df2']} df, "
                             f"p = {lof['p']:.2g}); the MCMC, bootstrap and profile intervals assume the law's "
                             f"shape{sd}"]
    if word == "unidentifiable":
        out["reason"] = "; ".join(reasons)
        return json_safe(out)
    out["emergence_point_mle"] = e0
    if truth is not None:
        out["error_nats"] = abs(e0 - truth)
        out["failed"] = out["error_nats"] > FAIL_NATS
        out["beats_trivial"] = out["error_nats"] < out["baseline_trivial_error"] - TIE_NATS
    if word == "weak":
        out["status"] = "weak"
        out["reason"] = "; ".join(reasons + ([] if truth is not None else [f"no ground truth: {out['ground_truth_reason']}"]))
    else:
        out["status"] = "ok" if truth is not None else "forecast"
        out["reason"] = None if truth is not None else f"prediction only: {out['ground_truth_reason']}"
    return json_safe(out)


def _forecast_doubts(e0, out, sel, per_ckpt, selected) -> list[str]:
    """Why a forecast (no ground truth) is not pinned although its intervals are narrow: the
    law puts emergence before the most capable fitted checkpoint, which the selection judged
    still at the floor (the data contradict it); or the most capable checkpoints already lie
    z noise units over the floor, short only of the Student-t bar a short floor sets (a rise
    may be under way, so "nothing has emerged" is not known)."""
    doubts = []
    triv = out.get("baseline_trivial")
    if baselines.contradicted(e0, triv, out.get("profile_interval")):
        doubts.append(f"the prediction ({e0:.3f} nats) lies before the most capable fitted checkpoint "
                    f"({triv:.3f}), which the selection judged still at the floor: the data contradict it")
    if selected and sel.mask.all() and sel.excess:
        i, units = max(sel.excess[-2:], key=lambda t: t[1])
        if units > sel.z:
            doubts.append(f"checkpoint {per_ckpt.index[i]} lies {units:.1f} noise units above the floor, short only of "
                        "the bar a short floor sets: a rise may be under way, so 'nothing has emerged' is not known")
    return doubts


def _baselines(obs, task, method, N, fit_df, per_ckpt, fit_ckpts, chance, all_losses, truth, level) -> dict:
    fs = fit_df["data_amount"] == 0
    rows = fit_df
    has_cont = (obs["task"].astype(str) == str(task)) & (obs["metric"].astype(str) == baselines.CONTINUOUS)
    if has_cont.any():
        cont, *_ = task_frame(obs, task, baselines.CONTINUOUS, method, N)
        keys = ["ckpt_id", "method", "data_amount", "subset_sample"]
        cont = cont.groupby(keys, as_index=False)["value"].mean().rename(columns={"value": baselines.CONTINUOUS})
        rows = fit_df.merge(cont, on=keys, how="left")
    b = dict(trivial=baselines.trivial(per_ckpt.loc[fit_ckpts, "loss"]),
             fewshot_only=baselines.fewshot_only(fit_df.loc[fs, "pretrain_loss"], fit_df.loc[fs, "value"]),
             two_step=baselines.two_step(rows, chance, all_losses=np.unique(all_losses)))
    t = obs[obs["task"].astype(str) == str(task)]
    pr = t[(t["metric"].astype(str) == baselines.PASS_RATE) & ckpt_ids(t).isin(fit_ckpts)]
    b["passuntil"] = baselines.passuntil(pr["pretrain_loss"], pr["value"], pr["stderr"] if "stderr" in pr else None,
                                         level)
    return baselines.score(b, truth)


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        raise InputError(f"option: {message}")


def _once(argv):
    """argparse keeps the last of a repeated option: `--task a --task b` would fit b alone."""
    seen = [a.split("=", 1)[0] for a in argv if a.startswith("--")]
    twice = sorted({a for a in seen if seen.count(a) > 1})
    if twice:
        raise InputError(f"option {', '.join(twice)} given more than once; give each once")


def _card_paths(out):
    stem = os.path.splitext(out)[0]
    return f"{stem}.card.md", f"{stem}.card.json"


def _check_out(out, observations, card_too=False):
    """Every path the CLI will write, checked before the fit runs: a regular file (or none
    yet) under a folder, never the table itself. The writer replaces a file whole (write to
    a temporary file, then rename), which would swap a device, pipe or symlink for a file."""
    if not out:
        raise InputError("--out: empty; give a .json file path")
    for path in (out, *(_card_paths(out) if card_too else ())):
        what = "--out" if path == out else "--card's output"
        if path.endswith(("/", os.sep)) or os.path.isdir(path):
            raise InputError(f"{what} {path}: is a folder; give a .json file path")
        if os.path.islink(path) or (os.path.exists(path) and not os.path.isfile(path)):
            raise InputError(f"{what} {path}: exists and is not a regular file (a link, device or pipe); "
                             f"give another path")
        if os.path.abspath(path) == os.path.abspath(observations) or (
                os.path.exists(path) and os.path.samefile(path, observations)):
            raise InputError(f"{what} {path}: is the observations table itself; give another path")
        if len(os.path.basename(path).encode()) > 255:  # what most filesystems take
            raise InputError(f"{what} {path}: file name longer than 255 bytes; give a shorter one")
    parent = os.path.dirname(os.path.abspath(out))
    while not os.path.exists(parent):  # the writer makes missing folders; a file on the way blocks it
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise InputError(f"--out {out}: {parent} is a file, not a folder; give a path under a folder")
    if not os.access(parent, os.W_OK):
        raise InputError(f"--out {out}: {parent} is not writable; give a path under a writable folder")


def main(argv=None):
    # no abbreviations: `--ta x` beside `--task y` would slip past the repeat check
    p = _Parser(prog="python -m emergence.fit", description=__doc__.splitlines()[0], allow_abbrev=False)
    p.add_argument("observations")
    p.add_argument("--task", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--metric")
    p.add_argument("--method", help="finetuning method to fit (default: the one run at the most data amounts)")
    p.add_argument("--d0", type=float)
    p.add_argument("--variant", default="log_power", choices=law.VARIANTS)
    p.add_argument("--chance", type=float)
    p.add_argument("--mcmc-steps", type=int, default=uncertainty.MCMC_DEFAULTS["nsteps"],
                   help="first block of steps; the chain grows until converged or --mcmc-max-steps")
    p.add_argument("--mcmc-max-steps", type=int, help=f"default {uncertainty.MCMC_DEFAULTS['max_steps']} "
                   f"(or --mcmc-steps, if more)")
    p.add_argument("--mcmc-walkers", type=int, default=uncertainty.MCMC_DEFAULTS["nwalkers"])
    p.add_argument("--no-mcmc", action="store_true")
    p.add_argument("--bootstrap", type=int, default=0, help="bootstrap refits (0: none)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--card", action="store_true", help="also write a forecast card beside --out")
    try:
        _once(sys.argv[1:] if argv is None else argv)
        a = p.parse_args(argv)
        if a.mcmc_max_steps is not None and a.mcmc_max_steps < a.mcmc_steps:
            raise InputError(f"option --mcmc-max-steps {a.mcmc_max_steps} is below --mcmc-steps {a.mcmc_steps}")
        given = {o.split("=")[0] for o in (sys.argv[1:] if argv is None else argv) if o.startswith("--mcmc")}
        if a.no_mcmc and given:  # a sampler option with no sampler was ignored without a word
            raise InputError(f"option {', '.join(sorted(given))} given with --no-mcmc")
        _check_out(a.out, a.observations, card_too=a.card)
        obs = read_obs(a.observations)
        res = fit_task(obs, a.task, metric=a.metric, method=a.method, d0=a.d0, variant=a.variant,
                       chance=a.chance, seed=a.seed,
                       mcmc=None if a.no_mcmc else dict(nsteps=a.mcmc_steps, nwalkers=a.mcmc_walkers,
                                                        max_steps=a.mcmc_max_steps or max(
                                                            uncertainty.MCMC_DEFAULTS["max_steps"], a.mcmc_steps)),
                       bootstrap=dict(n=a.bootstrap) if a.bootstrap else None, next_run=a.card)
        res["observations"] = os.path.basename(a.observations)
        write_json(res, a.out)
        if a.card:
            c = card.build(res)
            card.write(c, *_card_paths(a.out))
            print(card.one_line(c))
    except (InputError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{a.task}: status={res['status']} E_mle={res['emergence_point_mle']} truth={res['ground_truth']}"
          f" -> {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
