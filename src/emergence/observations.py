"""The observations table as the fit sees it: checked, then cut to one task's rows.

The table is tidy, one row per result: task, ckpt, series, size, pretrain_loss, method,
data_amount, subset_sample, num_fewshot, metric, value, and optionally stderr (the
standard error of value; the pre-emergence rule uses it). Other columns are ignored.
Few-shot rows have method == 'fewshot' and data_amount == 0.

A table from elsewhere is checked before anything is fitted; every problem is one
InputError line naming the column and a row, never a traceback and never a silent guess.
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd

from emergence import law
from emergence.values import CONTINUOUS, PASS_RATE

REQUIRED = ["task", "ckpt", "series", "size", "pretrain_loss", "method", "data_amount",
            "subset_sample", "num_fewshot", "metric", "value"]
NUMERIC = ["pretrain_loss", "data_amount", "subset_sample", "num_fewshot", "value"]
INTEGER = ["data_amount", "subset_sample", "num_fewshot"]
# one result per checkpoint, run and metric
TEXT = ["task", "ckpt", "series", "size", "method", "metric"]  # read as text: '007' is not 7
MAX_WHOLE = 2.0 ** 53
MAX_MAGNITUDE = 1e12
MAX_LOSS = 20.0  # nats: uniform over a 10^8-token vocabulary is 18.4; a perplexity is larger
# lm-eval's proportion metrics (and PassUntil's pass rate): their chance level lies in
# [0, 1]. Their values are not range-checked: the law is linear above its elbow and
# simulated or extrapolated readings past 1 are fitted as given (docs/fit.md)
PROPORTIONS = {"acc", "acc_norm", "exact_match", "pass_rate", "f1", "em", "accuracy", "pass@1"}
KEY = ["task", "series", "size", "ckpt", "method", "data_amount", "subset_sample", "num_fewshot", "metric"]


class InputError(ValueError):
    """Bad observations input or fit option; the CLI prints it as one line."""


def _few(xs, n=3) -> str:
    return ", ".join(map(repr, xs[:n])) + (f" and {len(xs) - n} more" if len(xs) > n else "")


def _first(bad: pd.Series) -> str:
    i = bad[bad].index[0]
    return f"row {int(i) + 2} of the file" if isinstance(i, (int, np.integer)) else f"row {i}"


def check_obs(obs: pd.DataFrame, where="observations"):
    """Refuse a table the fit cannot read faithfully (raises InputError)."""
    twice = [c for c in REQUIRED + ["stderr"] if f"{c}.1" in obs.columns]  # pandas renames a repeat to c.1
    if twice:
        raise InputError(f"{where}: column(s) {', '.join(twice)} appear more than once in the header; keep one")
    missing = [c for c in REQUIRED if c not in obs.columns]
    if missing:
        raise InputError(f"{where}: missing column(s) {', '.join(missing)}; found {', '.join(map(str, obs.columns))}")
    if obs.empty:
        raise InputError(f"{where}: no rows")
    for c in REQUIRED:
        if c not in NUMERIC and obs[c].isna().any():
            raise InputError(f"{where}: column {c} has {int(obs[c].isna().sum())} missing value(s); first: "
                             f"{_first(obs[c].isna())}")
    for c in REQUIRED:
        if c not in NUMERIC:  # 'rule ' or a zero-width space would be a second task, checkpoint, ...
            v = obs[c].astype(str)
            bad = (v != v.str.strip()) | ~v.map(str.isprintable)
            if bad.any():
                raise InputError(f"{where}: column {c} has a name with leading/trailing spaces or invisible "
                                 f"characters: {_first(bad)} has {v[bad].iloc[0]!r}; write names plainly")
    for c in NUMERIC + (["stderr"] if "stderr" in obs.columns else []):
        v = pd.to_numeric(obs[c], errors="coerce").astype(float)
        if c == "stderr":  # optional: empty means unknown
            bad = (v.isna() & obs[c].notna()) | np.isinf(v) | (v < 0)
        else:
            bad = ~np.isfinite(v)
        bad |= v.abs() > MAX_MAGNITUDE  # the fit squares values: 1e308 overflows to inf
        if bad.any():
            raise InputError(f"{where}: column {c} has {int(bad.sum())} missing/non-numeric/infinite/huge value(s) "
                             f"(expected finite numbers within +-1e12{', >= 0 or empty' if c == 'stderr' else ''}); "
                             f"first: {_first(bad)} = {obs[c][bad].iloc[0]!s}")
    num = {c: pd.to_numeric(obs[c]).astype(float) for c in NUMERIC}
    for c in INTEGER:
        # above 2^53 a float is no longer an exact whole number, and int64 wraps past 2^63
        bad = (num[c] != np.round(num[c])) | (num[c] < 0) | (num[c] > MAX_WHOLE)
        if bad.any():
            raise InputError(f"{where}: column {c} needs whole numbers from 0 to 2^53; {_first(bad)} has "
                             f"{obs[c][bad].iloc[0]!s}")
    bad = (num["pretrain_loss"] < 0) | (num["pretrain_loss"] > MAX_LOSS)
    if bad.any():
        raise InputError(f"{where}: column pretrain_loss is a cross-entropy in nats, from 0 to {MAX_LOSS:g}; "
                         f"{_first(bad)} has {obs['pretrain_loss'][bad].iloc[0]!s} (a perplexity? give its log)")
    if "stderr" in obs.columns:  # a proportion's standard error is at most 0.5 (one Bernoulli draw)
        prop = obs["metric"].astype(str).str.split(",").str[0].isin(PROPORTIONS)
        bad = prop & (pd.to_numeric(obs["stderr"], errors="coerce") > 0.5)
        if bad.any():
            raise InputError(f"{where}: column stderr is above 0.5 for a proportion ({obs['metric'][bad].iloc[0]!s}); "
                             f"{_first(bad)} has {obs['stderr'][bad].iloc[0]!s}")
    prop = obs["metric"].astype(str).str.split(",").str[0].isin(PROPORTIONS)
    bad = prop & (num["value"] < 0)  # above 1 stays legal: simulated tables and the law's linear rise
    if bad.any():
        raise InputError(f"{where}: column value is below 0 for a proportion ({obs['metric'][bad].iloc[0]!s}); "
                         f"{_first(bad)} has {obs['value'][bad].iloc[0]!s}")
    fs = obs["method"].astype(str) == "fewshot"
    bad = fs & (num["data_amount"] != 0)
    if bad.any():
        raise InputError(f"{where}: column data_amount must be 0 on few-shot rows (method 'fewshot'); "
                         f"{_first(bad)} has {obs['data_amount'][bad].iloc[0]!s}")
    bad = ~fs & (num["data_amount"] <= 0)
    if bad.any():
        raise InputError(f"{where}: column data_amount must be a positive integer on finetuned rows "
                         f"(method {obs['method'][bad].iloc[0]!r}); {_first(bad)} has {obs['data_amount'][bad].iloc[0]!s}")
    keyed = obs[KEY].astype(str).assign(**{c: num[c].astype(np.int64).astype(str) for c in INTEGER})
    dup = keyed.duplicated(keep="first")
    if dup.any():
        raise InputError(f"{where}: duplicate result: {_first(dup)} repeats ({', '.join(KEY)}) of an earlier row "
                         f"({int(dup.sum())} duplicate(s)); keep one row per result")
    ck = ["series", "size", "ckpt"]
    by = num["pretrain_loss"].groupby([obs[c].astype(str) for c in ck])
    span = by.max() - by.min()
    if (span > 1e-6).any():
        s, z, c = span[span > 1e-6].index[0]
        raise InputError(f"{where}: checkpoint {c!r} (series {s!r}, size {z!r}) has several pretrain_loss values "
                         f"(they differ by {span.max():.4g}); one checkpoint has one loss")
    if "step" in obs.columns:
        _rising_loss(obs, num["pretrain_loss"], where)


def _rising_loss(obs, loss, where):
    """A run whose loss climbs with its training step is a swapped or wrong column (a metric,
    a reversed order), not a series the law can read: each lower loss must mean more training."""
    step = pd.to_numeric(obs["step"], errors="coerce")
    runs = pd.DataFrame(dict(series=obs["series"].astype(str), size=obs["size"].astype(str), step=step, loss=loss))
    for (s, z), g in runs.dropna().drop_duplicates(["series", "size", "step"]).groupby(["series", "size"]):
        g = g.sort_values("step")
        if len(g) >= 3 and g["loss"].nunique() > 1 and g["step"].nunique() > 1:
            rho = g["step"].rank().corr(g["loss"].rank())
            if rho >= 0.8 and g["loss"].iloc[-1] > g["loss"].iloc[0]:
                raise InputError(
                    f"{where}: column pretrain_loss rises with step in series {s!r}, size {z!r} (from "
                    f"{g['loss'].iloc[0]:.4g} at step {g['step'].iloc[0]:g} to {g['loss'].iloc[-1]:.4g} at step "
                    f"{g['step'].iloc[-1]:g}); expected a loss that falls with training (swapped columns?)")


def read_obs(path) -> pd.DataFrame:
    if not os.path.isfile(path):
        raise InputError(f"{path}: no such file")
    try:
        # 'NA' or 'null' is a name, not a missing value; a trailing comma must not make the
        # first column an index and shift every other one
        obs = pd.read_csv(path, dtype={c: str for c in TEXT}, keep_default_na=False, na_values=[""],
                          index_col=False)
    except Exception as e:  # parser errors carry no file name
        raise InputError(f"{path}: cannot read CSV ({str(e).splitlines()[0] if str(e) else type(e).__name__})") from None
    check_obs(obs, path)
    return obs


def ckpt_ids(df: pd.DataFrame) -> pd.Series:
    """One name per checkpoint: its ckpt, prefixed by the series when there are several and by
    the size where one series reuses a ckpt name across sizes (step1000 of 160m and of 410m)."""
    series, size, ckpt = (df[c].astype(str) for c in ("series", "size", "ckpt"))
    ids = ckpt
    if (df.groupby([series, ckpt])["size"].nunique() > 1).any():
        ids = size + "/" + ids
    if series.nunique() > 1:
        ids = series + "/" + ids
    # 'a/b' + 'c' and 'a' + 'b/c' would name one checkpoint: refuse rather than average them
    n_true = len(set(zip(series, size, ckpt)))
    if ids.nunique() != n_true:
        raise InputError(f"checkpoint names collide once joined with their series: {n_true} checkpoints give "
                         f"{ids.nunique()} names; avoid '/' in series and ckpt names")
    return ids


def default_method(ft: pd.DataFrame):
    """The finetuning method of the data-subset grid: the one run at the most data amounts
    (a method compared at one D, e.g. full finetuning beside a LoRA grid, cannot pin a law);
    ties -> most rows. None without finetuned rows."""
    ft = ft[ft["method"] != "fewshot"]
    if ft.empty:
        return None
    by = ft.groupby(ft["method"].astype(str))["data_amount"].agg(["nunique", "size"])
    by = by.sort_values(["nunique", "size"], ascending=False, kind="stable")
    if len(by) > 1 and tuple(by.iloc[0]) == tuple(by.iloc[1]):
        tied = by.index[(by["nunique"] == by.iloc[0]["nunique"]) & (by["size"] == by.iloc[0]["size"])]
        raise InputError(f"finetuning methods {', '.join(tied)} ran the same grid; name the one to fit (--method)")
    return str(by.index[0])


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in NUMERIC:
        df[c] = pd.to_numeric(df[c])
    df["pretrain_loss"] = df["pretrain_loss"].astype(float)
    df["value"] = df["value"].astype(float)
    for c in INTEGER:
        df[c] = df[c].astype(np.int64)
    df["size"] = df["size"].astype(str)
    return df


def task_rows(obs, task, metric=None) -> pd.DataFrame | None:
    """Every row of one task (and metric), typed; None when there are none. What figures draw;
    task_frame narrows it to what a fit uses."""
    df = obs[obs["task"].astype(str) == str(task)]
    if metric is not None:
        df = df[df["metric"].astype(str) == str(metric)]
    return None if df.empty else _typed(df)


AUXILIARY = (CONTINUOUS, PASS_RATE)


def task_frame(obs, task, metric=None, method=None, num_fewshot=None):
    """The rows of one task/metric: few-shot rows plus one finetuning method."""
    check_obs(obs)
    df = obs[obs["task"].astype(str) == str(task)]
    if df.empty:
        raise InputError(f"unknown task {task!r}; tasks: {', '.join(map(repr, sorted(obs['task'].astype(str).unique())))}")
    metrics = sorted(df["metric"].astype(str).unique())
    if metric is None:  # the one metric that is not a lens's companion, else acc
        main = [m for m in metrics if m not in AUXILIARY] or metrics
        if len(main) > 1:  # picking one would silently drop the others' rows
            raise InputError(f"task {task!r} has several metrics ({', '.join(main)}): name the one to fit "
                             "(--metric, or the task's `metric` in the config)")
        metric = main[0]
    if metric not in metrics:
        raise InputError(f"task {task!r} has no metric {metric!r}; metrics: {', '.join(metrics)}")
    df = _typed(df[df["metric"].astype(str) == metric])
    df["ckpt_id"] = ckpt_ids(df)
    fs = (df["method"] == "fewshot") & (df["data_amount"] == 0)
    if not fs.any():
        raise InputError(f"task {task!r}, metric {metric!r}: no few-shot rows (method == 'fewshot')")
    shots = sorted(df.loc[fs, "num_fewshot"].unique().tolist())
    if num_fewshot is None:
        num_fewshot = int(shots[-1])  # the k-shot setting when several exist
    elif int(num_fewshot) not in shots:
        raise InputError(f"task {task!r}: no few-shot rows with num_fewshot {num_fewshot}; present: {shots}")
    have = set(df.loc[fs & (df["num_fewshot"] == num_fewshot), "ckpt_id"])
    lack = sorted(set(df["ckpt_id"]) - have)
    if lack:  # their rows would drop out of the fit without a word
        raise InputError(f"task {task!r}, metric {metric!r}: checkpoint(s) {_few(lack)} have no few-shot row with "
                         f"num_fewshot {num_fewshot}; every checkpoint needs one")
    methods = sorted(df.loc[~fs, "method"].astype(str).unique())
    if method is None:
        method = default_method(df[~fs])
    elif str(method) not in methods:
        raise InputError(f"task {task!r}: unknown method {method!r}; finetuning methods in the table: "
                         f"{', '.join(methods) or 'none'}")
    keep = (fs & (df["num_fewshot"] == num_fewshot)) | (~fs & (df["method"] == method))
    return df[keep].reset_index(drop=True), metric, method, int(num_fewshot)


def check_chance(chance, df, task, metric):
    """A chance level must be a number inside the range the metric takes: between the
    smallest value of any row and the largest few-shot value, with a quarter of the range to
    spare on either side (a weak model can sit under chance on every checkpoint: biased
    multiple-choice answers do), and within [0, 1] for a proportion."""
    if chance is None:
        return None
    try:
        c = float(chance)
    except (TypeError, ValueError):
        raise InputError(f"chance: expected a number, got {chance!r}") from None
    lo, hi = float(df["value"].min()), float(df.loc[df["data_amount"] == 0, "value"].max())
    pad = 0.25 * max(hi - lo, 1e-9)
    # a proportion at chance 1 leaves no room above chance: nothing could emerge
    if str(metric).split(",")[0] in PROPORTIONS and np.isfinite(c) and not 0 <= c < 1:
        raise InputError(f"chance {chance!r}: task {task!r}'s {metric} is a proportion, expected 0 to below 1")
    if not np.isfinite(c) or not lo - pad <= c <= hi + pad:
        raise InputError(f"chance {chance!r} lies outside the range of task {task!r}'s {metric} values "
                         f"[{lo:.4g}, {hi:.4g}]; give the metric's chance level in its own units")
    return c


def simulate_obs(k=0.16, alpha=1.0, C=2.62, A=4.0, B=1 / 6, Delta=0.0, A_fs=0.3, sigma=0.01,
                 losses=None, Ds=(4, 16, 64, 256, 1024), n_samples=2, N=6, variant="log_power",
                 task="sim", seed=0, stderr=None) -> pd.DataFrame:
    """An observations table drawn from the performance model (tests and benches).
    stderr: if given, written as the few-shot rows' known standard error."""
    rng = np.random.default_rng(seed)
    losses = np.linspace(2.5, 4.0, 10) if losses is None else np.asarray(losses, float)
    lawname = "power" if variant == "power" else "log_power"
    rows = []
    for i, L in enumerate(losses):
        base = dict(task=task, ckpt=f"c{i:02d}", series="sim", size="s", pretrain_loss=L,
                    num_fewshot=N, metric="acc")
        e0 = law.law(lawname, k, alpha, C, max(N, 1))
        fs = dict(base, method="fewshot", data_amount=0, subset_sample=0,
                  value=B + Delta + A_fs * max(0.0, e0 - L) + sigma * rng.standard_normal())
        rows.append(fs if stderr is None else dict(fs, stderr=stderr))
        for d in Ds:
            for s in range(1, n_samples + 1):
                rows.append(dict(base, method="full", data_amount=int(d), subset_sample=s,
                                 value=B + A * max(0.0, law.law(lawname, k, alpha, C, d) - L) + sigma * rng.standard_normal()))
    return pd.DataFrame(rows)
