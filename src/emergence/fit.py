"""Fit the emergence law to one task of an observations table; CLI.

    python -m emergence.fit OBSERVATIONS.csv --task T --out FIT.json [--metric M] [--d0 X]
        [--variant V] [--chance C] [--mcmc-steps N] [--no-mcmc] [--bootstrap N] [--seed S]

The observations table is tidy, one row per result: task, ckpt, series, size, pretrain_loss,
method, data_amount, subset_sample, num_fewshot, metric, value (other columns ignored).
Few-shot rows have method == 'fewshot' and data_amount == 0.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile

import numpy as np
import pandas as pd

from emergence import law

REQUIRED = ["task", "ckpt", "series", "size", "pretrain_loss", "method", "data_amount",
            "subset_sample", "num_fewshot", "metric", "value"]
NUMERIC = ["pretrain_loss", "data_amount", "subset_sample", "num_fewshot", "value"]


class InputError(ValueError):
    """Bad observations input; the CLI prints it as one line."""


def check_obs(obs: pd.DataFrame, where="observations"):
    missing = [c for c in REQUIRED if c not in obs.columns]
    if missing:
        raise InputError(f"{where}: missing column(s) {', '.join(missing)}")
    for c in REQUIRED:
        v = pd.to_numeric(obs[c], errors="coerce") if c in NUMERIC else obs[c]
        if v.isna().any():
            raise InputError(f"{where}: column {c} has {int(v.isna().sum())} missing/non-numeric value(s)")


def ckpt_ids(df: pd.DataFrame) -> pd.Series:
    # ckpt names may repeat across series (model sizes)
    if df["series"].nunique() > 1:
        return df["series"].astype(str) + "/" + df["ckpt"].astype(str)
    return df["ckpt"].astype(str)


def default_method(ft: pd.DataFrame):
    """The finetuning method of the data-subset grid: the one run at the most data amounts
    (a method compared at one D, e.g. full finetuning beside a LoRA grid, cannot pin a law);
    ties -> most rows. None without finetuned rows."""
    ft = ft[ft["method"] != "fewshot"]
    if ft.empty:
        return None
    by = ft.groupby(ft["method"].astype(str))["data_amount"].agg(["nunique", "size"])
    return str(by.sort_values(["nunique", "size"], ascending=False, kind="stable").index[0])


def task_frame(obs, task, metric=None, method=None, num_fewshot=None):
    """The rows of one task/metric: few-shot rows plus one finetuning method."""
    check_obs(obs)
    df = obs[obs["task"].astype(str) == str(task)]
    if df.empty:
        raise InputError(f"unknown task {task!r}; tasks: {', '.join(sorted(obs['task'].astype(str).unique()))}")
    metrics = sorted(df["metric"].astype(str).unique())
    if metric is None:
        metric = metrics[0] if len(metrics) == 1 else "acc"
    if metric not in metrics:
        raise InputError(f"task {task!r} has no metric {metric!r}; metrics: {', '.join(metrics)}")
    df = df[df["metric"].astype(str) == metric].copy()
    df["pretrain_loss"] = df["pretrain_loss"].astype(float)
    df["value"] = df["value"].astype(float)
    df["data_amount"] = df["data_amount"].astype(int)
    df["ckpt_id"] = ckpt_ids(df)
    fs = (df["method"] == "fewshot") & (df["data_amount"] == 0)
    if not fs.any():
        raise InputError(f"task {task!r}, metric {metric!r}: no few-shot rows (method == 'fewshot')")
    if num_fewshot is None:
        num_fewshot = int(df.loc[fs, "num_fewshot"].max())  # the k-shot setting when several exist
    if method is None:
        method = default_method(df[~fs])
    keep = (fs & (df["num_fewshot"] == num_fewshot)) | (~fs & (df["method"] == method))
    return df[keep].reset_index(drop=True), metric, method, int(num_fewshot)


def _nums(x):
    """JSON-safe and stable: floats rounded to 6 decimals, NaN/inf -> None."""
    if isinstance(x, dict):
        return {str(k): _nums(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_nums(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return round(x, 6) + 0.0 if math.isfinite(x) else None  # + 0.0 turns -0.0 into 0.0
    return x


def fit_task(obs: pd.DataFrame, task, metric=None, d0=None, variant="log_power", chance=None,
             mcmc=None, bootstrap=None, bounds=None, seed=0, method=None, num_fewshot=None,
             slope_per_D=False, fit_ckpts=None, loss_cutoff=None, select=None,
             z=3.0, min_margin=0.02) -> dict:
    """Predict the few-shot emergence point of one task from its pre-emergence checkpoints.

    mcmc / bootstrap: None to skip, else dicts of options ({} for defaults; mcmc: nwalkers,
    nsteps; bootstrap: n). fit_ckpts (list of ckpt ids) or loss_cutoff (keep checkpoints with
    pretrain_loss >= cutoff) override the pre-emergence rule (law.pre_emergence). select:
    optional function applied to the pre-emergence rows before fitting (hold-out ablations);
    the ground truth always uses every few-shot row. d0 defaults to the few-shot N; N = 0
    falls back to D0 = 1 (log 1 = 0, so E(D0) = C under the log power law).

    status: 'ok' (prediction and ground truth), 'forecast' (prediction; nothing has emerged
    yet, so no ground truth), 'unidentifiable' (no prediction; see reason)."""
    df, metric, method, N = task_frame(obs, task, metric, method, num_fewshot)
    d0 = float(d0) if d0 is not None else float(max(N, 1))
    fs = df["data_amount"] == 0
    per_ckpt = df[fs].groupby("ckpt_id").agg(loss=("pretrain_loss", "mean"), y=("value", "mean"))
    pre, floor, thr = law.pre_emergence(per_ckpt["loss"], per_ckpt["y"], chance, z, min_margin)
    if fit_ckpts is not None:
        pre = per_ckpt.index.isin([str(c) for c in fit_ckpts])
    elif loss_cutoff is not None:
        pre = per_ckpt["loss"].to_numpy() >= loss_cutoff
    pre_ids = per_ckpt.index[pre]
    out = dict(task=str(task), metric=metric, variant=variant, method=method, num_fewshot=N, d0=d0,
               chance=chance, floor=floor, emergence_threshold=thr, slope_per_D=slope_per_D,
               emergence_point_mle=None, percentiles=None, percentiles_reason=None,
               bootstrap_percentiles=None, bootstrap_n_ok=None, ground_truth=None,
               ground_truth_reason=None, error_nats=None, error_percentiles=None, failed=None,
               params=None, loglik=None, ess=None, tau=None, mcmc_converged=None,
               n_informative_D=None, status="unidentifiable", reason=None)

    # ground truth: elbow of the few-shot metric over all checkpoints
    if pre.all():
        out["ground_truth_reason"] = "no checkpoint has emerged above the few-shot floor"
    else:
        gt = law.fit_relu(df.loc[fs, "pretrain_loss"], df.loc[fs, "value"])
        out["ground_truth_reason"] = gt["reason"]
        out["ground_truth"] = gt["E"] if gt["reason"] is None else None

    fit_df = df[df["ckpt_id"].isin(pre_ids)]
    if select is not None:
        fit_df = select(fit_df)
    out["fit_ckpts"] = sorted(fit_df["ckpt_id"].unique().tolist(),
                              key=lambda c: -per_ckpt.loc[c, "loss"])  # weakest first
    out["n_ckpts"], out["n_rows"] = len(out["fit_ckpts"]), len(fit_df)
    L, y, D = (fit_df[c].to_numpy(float) for c in ("pretrain_loss", "value", "data_amount"))
    model = law.Model(L, y, D, d0, variant, slope_per_D)
    out["n_rows"] = model.n
    reason = law.degenerate(model) if model.n else "no rows left to fit"
    if reason is None:
        r = law.fit_mle(model, bounds)
        reason, out["n_informative_D"] = law.check_fit(model, r["theta"])
        out["params"] = dict(zip(model.names, r["theta"].tolist()))
        out["loglik"] = r["loglik"]
    if reason is not None:
        out["reason"] = reason
        return _nums(out)

    e0 = r["e0"]
    out["emergence_point_mle"] = e0
    out["status"] = "ok" if out["ground_truth"] is not None else "forecast"
    out["reason"] = None if out["status"] == "ok" else f"prediction only: {out['ground_truth_reason']}"
    truth = out["ground_truth"]
    if truth is not None:
        out["error_nats"] = abs(e0 - truth)
        out["failed"] = out["error_nats"] > 0.1

    if mcmc is not None:
        m = law.run_mcmc(model, r["theta"], bounds, seed=seed, **mcmc)
        out.update(mcmc_converged=m["converged"], ess=m["ess"], tau=m["tau"], percentiles_reason=m["reason"])
        if m["converged"]:
            out["percentiles"] = law.percentiles(m["e0"])
            if truth is not None:
                err = np.abs(m["e0"] - truth)
                out["error_percentiles"] = {"p5": float(np.percentile(err, 5)), "p95": float(np.percentile(err, 95))}
    else:
        out["percentiles_reason"] = "mcmc not run"
    if bootstrap is not None:
        e0s, n_bad = law.bootstrap(L, y, D, d0, variant, slope_per_D, seed=seed, bounds=bounds,
                                   theta0=r["theta"], **bootstrap)
        out["bootstrap_n_ok"] = len(e0s)
        if len(e0s) >= 10:
            out["bootstrap_percentiles"] = law.percentiles(e0s)
    return _nums(out)


def write_json(obj, path):
    """Atomic (temp file + rename) and stable (sorted keys, rounded floats)."""
    text = json.dumps(_nums(obj), sort_keys=True, indent=2, allow_nan=False) + "\n"
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp.", suffix=".json")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def read_obs(path) -> pd.DataFrame:
    if not os.path.isfile(path):
        raise InputError(f"{path}: no such file")
    try:
        obs = pd.read_csv(path)
    except Exception as e:  # parser errors carry no file name
        raise InputError(f"{path}: cannot read CSV ({str(e).splitlines()[0] if str(e) else type(e).__name__})")
    check_obs(obs, path)
    return obs


def simulate_obs(k=0.16, alpha=1.0, C=2.62, A=4.0, B=1 / 6, Delta=0.0, A_fs=0.3, sigma=0.01,
                 losses=None, Ds=(4, 16, 64, 256, 1024), n_samples=2, N=6, variant="log_power",
                 task="sim", seed=0) -> pd.DataFrame:
    """An observations table drawn from the performance model (tests and benches)."""
    rng = np.random.default_rng(seed)
    losses = np.linspace(2.5, 4.0, 10) if losses is None else np.asarray(losses, float)
    lawname = "power" if variant == "power" else "log_power"
    rows = []
    for i, L in enumerate(losses):
        base = dict(task=task, ckpt=f"c{i:02d}", series="sim", size="s", pretrain_loss=L,
                    num_fewshot=N, metric="acc")
        e0 = law.law(lawname, k, alpha, C, max(N, 1))
        rows.append(dict(base, method="fewshot", data_amount=0, subset_sample=0,
                         value=B + Delta + A_fs * max(0.0, e0 - L) + sigma * rng.standard_normal()))
        for d in Ds:
            for s in range(1, n_samples + 1):
                rows.append(dict(base, method="full", data_amount=int(d), subset_sample=s,
                                 value=B + A * max(0.0, law.law(lawname, k, alpha, C, d) - L) + sigma * rng.standard_normal()))
    return pd.DataFrame(rows)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m emergence.fit", description=__doc__.splitlines()[0])
    p.add_argument("observations")
    p.add_argument("--task", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--metric")
    p.add_argument("--method", help="finetuning method to fit (default: the one run at the most data amounts)")
    p.add_argument("--d0", type=float)
    p.add_argument("--variant", default="log_power", choices=law.VARIANTS)
    p.add_argument("--chance", type=float)
    p.add_argument("--mcmc-steps", type=int, default=1000)
    p.add_argument("--mcmc-walkers", type=int, default=48)
    p.add_argument("--no-mcmc", action="store_true")
    p.add_argument("--bootstrap", type=int, default=0, help="bootstrap refits (0: none)")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    try:
        obs = read_obs(a.observations)
        res = fit_task(obs, a.task, metric=a.metric, method=a.method, d0=a.d0, variant=a.variant,
                       chance=a.chance,
                       mcmc=None if a.no_mcmc else dict(nsteps=a.mcmc_steps, nwalkers=a.mcmc_walkers),
                       bootstrap=dict(n=a.bootstrap) if a.bootstrap > 0 else None, seed=a.seed)
        res["observations"] = os.path.basename(a.observations)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    write_json(res, a.out)
    print(f"{a.task}: status={res['status']} E_mle={res['emergence_point_mle']} truth={res['ground_truth']}"
          f" -> {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
