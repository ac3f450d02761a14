"""The metric chain of Schaeffer et al. 2024 (SPEC section 3): how each step from the
choices' log-likelihoods to accuracy weakens the per-sample correlation with compute.

    logp_vocab_correct -> p_vocab_correct = exp(.) -> p_choices_correct (softmax over
    choices) -> accuracy (argmax) and brier

plus the mass on incorrect choices (p_vocab_incorrect_mass, p_choices_incorrect_mass),
which is what makes accuracy unpredictable.

Accuracy splits ties: a gold choice tied with m-1 others at the maximum scores 1/m (the
expected accuracy under random tie-breaking), so the score does not depend on choice order.
Brier and the incorrect masses are lower-is-better; `summarise` orients them (sign -1)
so that 'frac_above' always counts samples that improve with compute.
"""
from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import log_softmax

METRICS = ("logp_vocab_correct", "p_vocab_correct", "p_choices_correct", "accuracy", "brier",
           "p_vocab_incorrect_mass", "p_choices_incorrect_mass")
# +1 higher is better, -1 lower is better
SIGN = {m: 1 for m in METRICS} | {"brier": -1, "p_vocab_incorrect_mass": -1, "p_choices_incorrect_mass": -1}
METHODS = {"pearson": stats.pearsonr, "spearman": stats.spearmanr, "kendall": stats.kendalltau}


def read_samples(path):
    """lm-eval --log_samples file (samples_*.jsonl) -> list of dicts."""
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def _number(v):
    # lm-eval nests a choice's result as [ll, is_greedy] (filtered_resps) or [[ll, is_greedy]]
    # (resps), and some versions write the numbers as strings
    while isinstance(v, (list, tuple)):
        v = v[0]
    return float(v)


def choice_logliks(sample):
    """(log-likelihoods of the choices, gold index) from one lm-eval sample."""
    ll = np.array([_number(c) for c in sample.get("filtered_resps") or sample["resps"]])
    gold = sample.get("target", sample.get("doc", {}).get("label"))
    if isinstance(gold, str) and not gold.lstrip("-").isdigit():
        gold = list(sample["doc"]["choices"]).index(gold)
    return ll, int(gold)


def sample_metrics(ll, gold):
    """The chain for one sample: {metric: value}."""
    ll = np.asarray(ll, float)
    lp = log_softmax(ll)
    p = np.exp(lp)
    wrong = np.arange(len(ll)) != gold
    top = ll == ll.max()
    onehot = (~wrong).astype(float)
    return {
        "logp_vocab_correct": float(ll[gold]),
        "p_vocab_correct": float(np.exp(ll[gold])),
        "p_choices_correct": float(p[gold]),
        "accuracy": float(top[gold]) / top.sum(),
        "brier": float(((p - onehot) ** 2).sum()),
        "p_vocab_incorrect_mass": float(np.exp(ll[wrong]).sum()),
        "p_choices_incorrect_mass": float(p[wrong].sum()),
    }


def chain_from_samples(records):
    """Tidy chain: one row per (ckpt, doc_id, metric) with compute and value.

    `records` is an iterable of (ckpt, compute, sample) with `sample` an lm-eval sample
    dict, or a DataFrame with columns ckpt, compute, doc_id, logliks (list), target (int).
    Extra DataFrame columns such as series or task are carried along.
    """
    if isinstance(records, pd.DataFrame):
        base = records.drop(columns=["logliks", "target"])
        pairs = zip(records["logliks"], records["target"])
    else:
        rows, pairs = [], []
        for ckpt, compute, s in records:
            rows.append({"ckpt": ckpt, "compute": compute, "doc_id": s["doc_id"]})
            pairs.append(choice_logliks(s))
        base = pd.DataFrame(rows)
    vals = pd.DataFrame([sample_metrics(ll, g) for ll, g in pairs], index=base.index)
    out = pd.concat([base, vals], axis=1).melt(id_vars=list(base.columns), value_vars=list(METRICS),
                                               var_name="metric", value_name="value")
    return out.sort_values(["metric", "ckpt", "doc_id"], kind="stable").reset_index(drop=True)


def _rank(a):
    """Average ranks along the last axis (ties share their mean rank), as scipy.stats.rankdata."""
    order = np.argsort(a, axis=-1, kind="stable")
    s = np.take_along_axis(a, order, -1)
    n = a.shape[-1]
    ranks = np.empty_like(a, dtype=float)
    for row in range(a.shape[0]):  # tie groups differ per row; this loop is over tie runs, cheap
        v = s[row]
        new = np.r_[True, v[1:] != v[:-1]]
        idx = np.flatnonzero(new)
        cnt = np.diff(np.r_[idx, n])
        avg = idx + (cnt - 1) / 2.0 + 1
        ranks[row, order[row]] = np.repeat(avg, cnt)
    return ranks


def _pearson_rows(x, V):
    """Pearson r of the vector x with every row of V."""
    xc = x - x.mean()
    Vc = V - V.mean(1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = Vc @ xc / np.sqrt((Vc * Vc).sum(1) * (xc @ xc))
    return np.clip(r, -1.0, 1.0)


def _kendall_rows(x, V):
    """Kendall's tau-b (scipy's default) of x with every row of V, over all pairs."""
    i, j = np.triu_indices(len(x), 1)
    sx = np.sign(x[j] - x[i])
    sv = np.sign(V[:, j] - V[:, i])
    n0 = len(i)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sv @ sx) / np.sqrt((n0 - (sx == 0).sum()) * (n0 - (sv == 0).sum(1)))


ROWS = {"pearson": lambda x, V: _pearson_rows(x, V),
        "spearman": lambda x, V: _pearson_rows(_rank(x[None])[0], _rank(V)),
        "kendall": _kendall_rows}


def correlations(chain, x="compute", log=True, min_ckpts=3):
    """Per-sample correlation of each metric with (log) compute across a series' checkpoints.

    Groups by any of series/task present, then metric and doc_id. A sample whose metric is
    constant across checkpoints (or that has fewer than min_ckpts) gets NaN and
    constant=True. Returns tidy rows: [series, task,] metric, doc_id, method, r, n, constant.
    Samples seen at the same checkpoints are computed together (vectorised: Pearson, Pearson
    on average ranks = Spearman, tau-b from pair signs = Kendall; equal to scipy's to float
    rounding); any other sample goes through scipy one at a time.
    """
    keys = [c for c in ("series", "task") if c in chain.columns] + ["metric", "doc_id"]
    outer = keys[:-1]
    rows = []
    for okey, g in chain.groupby(outer, sort=True):
        okey = okey if isinstance(okey, tuple) else (okey,)
        M = g.pivot_table(index="doc_id", columns=x, values="value", aggfunc="first").sort_index()
        full = M.notna().all(axis=1).to_numpy()
        xs = M.columns.to_numpy(float)
        xs = np.log(xs) if log else xs
        V = M.to_numpy(float)[full]
        docs = M.index[full]
        constant = (len(xs) < min_ckpts) | (np.ptp(V, 1) == 0) | (np.ptp(xs) == 0) if len(V) else np.zeros(0, bool)
        res = {name: np.where(constant, np.nan, f(xs, V)) if len(V) else np.zeros(0) for name, f in ROWS.items()}
        for k, d in enumerate(docs):
            for name in METHODS:
                rows.append(dict(zip(keys, (*okey, d))) | {"method": name, "r": float(res[name][k]),
                                                           "n": len(xs), "constant": bool(constant[k])})
        for d in M.index[~full]:
            gg = g[g["doc_id"] == d]
            rows += _one(gg, x, log, min_ckpts, dict(zip(keys, (*okey, d))))
    out = pd.DataFrame(rows)
    return out.sort_values(keys + ["method"], kind="stable", key=lambda c: c.map(list(METHODS).index)
                           if c.name == "method" else c).reset_index(drop=True) if len(out) else out


def _one(g, x, log, min_ckpts, key):
    xs = g[x].to_numpy(float)
    xs = np.log(xs) if log else xs
    v = g["value"].to_numpy(float)
    constant = len(v) < min_ckpts or np.ptp(v) == 0 or np.ptp(xs) == 0
    out = []
    for name, f in METHODS.items():
        r = np.nan
        if not constant:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # near-constant inputs; NaN is the answer
                r = float(f(xs, v)[0])
        out.append(key | {"method": name, "r": r, "n": len(v), "constant": constant})
    return out


def summarise(corr, threshold=0.75):
    """Per metric and method: mean, median, frac_above (share of non-constant samples with
    oriented correlation > threshold), n (non-constant samples), n_constant. Correlations
    are oriented by SIGN so that higher always means 'improves with compute'."""
    keys = [c for c in ("series", "task") if c in corr.columns] + ["metric", "method"]
    c = corr.assign(sign=corr.metric.map(SIGN).fillna(1))
    c["oriented"] = c.r * c.sign
    rows = []
    for key, g in c.groupby(keys, sort=True):
        o = g.oriented.dropna()
        rows.append(dict(zip(keys, key)) | {
            "sign": int(g.sign.iloc[0]), "mean": o.mean(), "median": o.median(),
            "frac_above": float((o > threshold).mean()) if len(o) else np.nan,
            "n": len(o), "n_constant": int(g.r.isna().sum())})
    return pd.DataFrame(rows)


def chain_from_eval_dirs(checkpoints: pd.DataFrame, eval_dirs: dict, task: str) -> pd.DataFrame:
    """The chain for one task over every checkpoint's few-shot lm-eval sample log.

    eval_dirs: checkpoint id -> the folder its evaluation wrote (one per task inside).

    compute is training FLOPs (C = 6 N T); the series and task travel as columns so that
    `correlations` correlates within one model family."""
    import os

    frames = []
    for series, ck in checkpoints.groupby("series", sort=True):
        recs = []
        for c in ck.itertuples():
            path = os.path.join(eval_dirs[c.ckpt], task, "fewshot", "samples.jsonl")
            recs += [(c.ckpt, c.flops, s) for s in read_samples(path)]
        sizes = dict(zip(ck["ckpt"], ck["size"].astype(str))) if "size" in ck.columns else {}
        df = chain_from_samples(recs).assign(series=series, task=task)
        if sizes:  # figures draw one line per training run
            df["size"] = df["ckpt"].map(sizes)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)
