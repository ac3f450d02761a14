"""PassUntil (Hu et al., ICLR 2024; SPEC section 2): sample until r passes, estimate, fit.

Per instance we draw samples (temperature 1) until r of them pass or K_max are spent.
The stopping rule matters for estimation. With K samples and x passes at the stop:

    resolved  (x == r):       unbiased (r-1)/(K-1)  [default]   MLE r/K
    censored  (x <  r, K = K_max):   x/K  for both forms, flagged censored

That pair is the Rao-Blackwell estimator of p under the truncated rule (the fraction of
paths to the stopping point whose first sample passed), so it is exactly unbiased for
every p, censoring included, and the task mean of it is unbiased too. A censored instance
is never reported as an exact zero: it carries `censored=True` and a one-sided
Clopper-Pearson upper bound `upper`; `task_pu` reports the mean with censored instances at
that bound (`pu_upper`) beside the unbiased mean. r/K alone is biased upward (E[r/K] > p),
which is why the unbiased form is the default.

The scaling law PU(N) = exp(-c N^-alpha) is linear in log space,
    F = log(-log PU) = log c - alpha log N,
so it is fitted by (weighted) least squares there. N is any positive axis: params
(default), compute, or pretraining loss (then alpha < 0, since PU rises as loss falls).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


# ---------------------------------------------------------------- per instance

def estimate(passes, samples, r, form="unbiased", level=0.95):
    """Per-instance PU from `passes` passes in `samples` draws under sample-until-r.

    Returns a DataFrame (one row per instance): pu, censored, upper (one-sided
    Clopper-Pearson bound at `level` from the binomial count; for resolved instances it
    ignores the stopping rule, so it is a rough bound there).
    """
    x = np.atleast_1d(np.asarray(passes, float))
    k = np.atleast_1d(np.asarray(samples, float))
    if np.any(x > r) or np.any(x > k) or np.any(k < 1):
        raise ValueError("need 1 <= samples, passes <= min(r, samples); truncate with absorb()")
    censored = x < r
    if form == "unbiased":
        if r < 2:
            raise ValueError("the unbiased form needs r >= 2")
        resolved = (r - 1) / np.maximum(k - 1, 1)
    elif form == "mle":
        resolved = r / k
    else:
        raise ValueError(f"form must be 'unbiased' or 'mle', not {form!r}")
    pu = np.where(censored, x / k, resolved)
    upper = np.where(x >= k, 1.0, stats.beta.ppf(level, x + 1, np.maximum(k - x, 1)))
    return pd.DataFrame({"pu": pu, "censored": censored, "upper": upper})


def task_pu(est, n_boot=2000, level=0.95, seed=0):
    """Task PU = mean over instances, with a seeded percentile bootstrap over instances.

    `est` is estimate()'s frame. pu_upper replaces censored instances by their upper bound:
    a conservative ceiling when many instances are censored.
    """
    pu = est["pu"].to_numpy(float)
    n = len(pu)
    rng = np.random.default_rng(seed)
    boot = pu[rng.integers(0, n, size=(n_boot, n))].mean(1)
    a = (1 - level) / 2
    lo, hi = np.quantile(boot, [a, 1 - a])
    cens = est["censored"].to_numpy(bool)
    return {"pu": float(pu.mean()), "lo": float(lo), "hi": float(hi), "se": float(boot.std(ddof=1)),
            "n": n, "n_censored": int(cens.sum()),
            "pu_upper": float(np.where(cens, est["upper"], pu).mean())}


# ---------------------------------------------------------------- sampling rounds

def init_state(ids):
    return pd.DataFrame({"id": list(ids), "K": 0, "passes": 0})


def plan_round(state, r, k_max, batch):
    """Which instances still need samples, and how many this round.

    Unresolved = fewer than r passes and fewer than k_max samples. Each asks for the
    expected number still needed, (r - passes) / p_hat with p_hat = (passes+0.5)/(K+1)
    (never 0), capped by `batch` (the cost of one round) and by k_max - K. Returns the
    unresolved rows with a column n; an empty frame means done. Use a fresh seed for every
    round: the same seed would redraw the same samples.
    """
    s = state[(state.passes < r) & (state.K < k_max)].copy()
    p_hat = (s.passes + 0.5) / (s.K + 1)
    need = np.ceil((r - s.passes) / p_hat)
    s["n"] = np.minimum(np.minimum(need, batch), k_max - s.K).astype(int)
    return s.reset_index(drop=True)


def absorb(state, outcomes, r, k_max):
    """Add one round's ordered pass/fail outcomes {id: [0/1, ...]} to the state.

    A batch can overshoot the r-th pass; samples after it (or past k_max) are dropped, so
    the kept sequence is exactly what sequential sample-until-r would have seen and the
    estimator stays unbiased.
    """
    s = state.set_index("id").copy()
    for i, seq in outcomes.items():
        K, x = int(s.at[i, "K"]), int(s.at[i, "passes"])
        for o in seq:
            if x >= r or K >= k_max:
                break
            K, x = K + 1, x + bool(o)
        s.at[i, "K"], s.at[i, "passes"] = K, x
    return s.reset_index()


def outcomes_from_samples(records, strip=True):
    """{doc_id: [0/1, ...]} from lm-eval generate_until samples (one record per doc, its
    filtered_resps holding one string per repeat), by exact match against target."""
    out = {}
    for rec in records:
        resps = rec["filtered_resps"]
        while len(resps) == 1 and isinstance(resps[0], (list, tuple)):
            resps = resps[0]
        t = str(rec["target"])
        norm = (lambda z: str(z).strip()) if strip else str
        out.setdefault(rec["doc_id"], []).extend(int(norm(g) == norm(t)) for g in resps)
    return out


def simulate(p, r, k_max, seed=0):
    """Bernoulli instances with known p, sampled until r passes or k_max: id, p, K, passes.

    K is drawn from the negative binomial; when it would exceed k_max the instance is
    censored and its passes are Binomial(k_max, p) conditioned on < r.
    """
    rng = np.random.default_rng(seed)
    p = np.atleast_1d(np.asarray(p, float))
    q = np.where(p > 0, p, 1.0)  # p = 0 never passes: censored below
    K = r + rng.negative_binomial(r, q)
    K = np.where(p > 0, K, k_max + 1)
    cens = K > k_max
    u = rng.random(len(p)) * stats.binom.cdf(r - 1, k_max, p)
    x_cens = np.maximum(stats.binom.ppf(u, k_max, p), 0)
    return pd.DataFrame({"id": np.arange(len(p)), "p": p,
                         "K": np.where(cens, k_max, K).astype(int),
                         "passes": np.where(cens, x_cens, r).astype(int)})


# ---------------------------------------------------------------- scaling law

def fit_law(N, pu, se=None):
    """Fit PU(N) = exp(-c N^-alpha) by least squares of F = log(-log PU) on log N.

    Points with PU outside (0, 1) have no F and are dropped. With `se` (standard errors of
    PU, e.g. task_pu's), the fit is weighted by 1/Var(F), Var(F) ~ se^2 / (PU log PU)^2
    by the delta method: PU near 0 or 1 pins F down poorly. Returns c, alpha, log_c,
    cov (of log_c, alpha; residual-scaled), n, and curve(N).
    """
    N, pu = np.asarray(N, float), np.asarray(pu, float)
    ok = (pu > 0) & (pu < 1) & (N > 0)
    if se is not None:
        se = np.asarray(se, float)
        ok &= se > 0
    if ok.sum() < 2:
        raise ValueError(f"need >= 2 points with 0 < PU < 1, got {int(ok.sum())}")
    t, F = np.log(N[ok]), np.log(-np.log(pu[ok]))
    w = np.ones_like(t) if se is None else (pu[ok] * np.log(pu[ok])) ** 2 / se[ok] ** 2
    X = np.column_stack([np.ones_like(t), -t])
    XtW = X.T * w
    A = np.linalg.inv(XtW @ X)
    log_c, alpha = A @ (XtW @ F)
    resid = F - X @ [log_c, alpha]
    dof = len(t) - 2
    cov = A * (float(w * resid @ resid) / dof if dof > 0 else np.nan)
    c = float(np.exp(log_c))
    return {"c": c, "alpha": float(alpha), "log_c": float(log_c), "cov": cov, "n": int(ok.sum()),
            "curve": lambda n, c=c, a=float(alpha): np.exp(-c * np.asarray(n, float) ** -a)}


def fit_instances(df, x="params", y="pu", id="id"):
    """Instance-level fits (IPU): one row per instance with c, alpha, n, or NaN when it has
    fewer than two points with 0 < PU < 1."""
    rows = []
    for i, g in df.groupby(id, sort=True):
        try:
            f = fit_law(g[x], g[y])
            rows.append({id: i, "c": f["c"], "alpha": f["alpha"], "n": f["n"]})
        except ValueError:
            rows.append({id: i, "c": np.nan, "alpha": np.nan, "n": 0})
    return pd.DataFrame(rows)


def predict_holdout(df, x="params", y="pu", id=None, se=None, largest=True):
    """Fit on every checkpoint but the most capable (largest x; largest=False for a loss
    axis) and predict it. Task level by default; with `id` (a column naming instances),
    IPU: fit each instance, predict the task as the mean of instance predictions, and let
    an instance with no fit predict its mean training PU (0 if always censored, 1 if always
    passing). `se` optionally names a column of PU standard errors for the weighted task
    fit. Returns x_holdout, pu_true, pu_pred, rel_err = |pred - true| / true, fit.
    """
    xs = df[x].to_numpy(float)
    x_h = xs.max() if largest else xs.min()
    train, test = df[xs != x_h], df[xs == x_h]
    if id is None:
        fit = fit_law(train[x], train[y], None if se is None else train[se])
        pred = float(fit["curve"](x_h))
        true = float(test[y].mean())
    else:
        fit = fit_instances(train, x, y, id).set_index(id)
        fallback = train.groupby(id)[y].mean()
        p = np.where(fit.c.notna(), np.exp(-fit.c * x_h ** -fit.alpha), fallback.reindex(fit.index))
        pred = float(np.mean(p))
        true = float(test.groupby(id)[y].mean().reindex(fit.index).mean())
    return {"x_holdout": float(x_h), "pu_true": true, "pu_pred": pred,
            "rel_err": abs(pred - true) / true if true > 0 else np.nan, "fit": fit}


def classify_curvature(logN, F, level=0.95):
    """Linear / convex / concave shape of F = log(-log PU) against log N.

    Fits F = a + b t + q t^2 (t = centred log N) by OLS and t-tests q (n - 3 dof,
    two-sided): significant at `level` with q < 0 -> 'concave' (accelerated emergence, the
    SPEC's reading), q > 0 -> 'convex', else 'linear'. The sign of q does not change if the
    axis is reflected (e.g. log loss instead of log params). Needs >= 4 points.
    Returns label, q, lo, hi (CI of q at `level`), p.
    """
    t = np.asarray(logN, float)
    F = np.asarray(F, float)
    n = len(t)
    if n < 4:
        raise ValueError("need >= 4 points to test curvature")
    t = t - t.mean()
    X = np.column_stack([np.ones(n), t, t * t])
    beta, *_ = np.linalg.lstsq(X, F, rcond=None)
    resid = F - X @ beta
    dof = n - 3
    s2 = resid @ resid / dof
    se = float(np.sqrt(s2 * np.linalg.inv(X.T @ X)[2, 2]))
    q = float(beta[2])
    if se == 0:
        p = 0.0 if q != 0 else 1.0
    else:
        p = float(2 * stats.t.sf(abs(q) / se, dof))
    h = stats.t.ppf(0.5 + level / 2, dof) * se
    label = "linear" if p >= 1 - level else ("concave" if q < 0 else "convex")
    return {"label": label, "q": q, "lo": q - h, "hi": q + h, "p": p}


# ---------------------------------------------------------------------------------------
# Running it through lm-eval: a derived task samples each unresolved instance `batch` times
# per round (lm-eval's `repeats`), at temperature 1 without truncation.

def _generation_kwargs(yaml_path: str) -> dict:
    """generation_kwargs of a task YAML, following `include:` (our templates are plain YAML)."""
    import os

    import yaml

    cfg = yaml.safe_load(open(yaml_path))
    if "generation_kwargs" in cfg or "include" not in cfg:
        return dict(cfg.get("generation_kwargs", {}))
    inc = cfg["include"]
    return _generation_kwargs(inc if os.path.isabs(inc) else os.path.join(os.path.dirname(yaml_path), inc))


def sampling_task(base_yaml: str, name: str, batch: int, temperature: float, out_dir: str) -> str:
    """Write the sampling variant of a generation task; returns its task name."""
    import json
    import os

    gen = _generation_kwargs(base_yaml)
    gen.update(do_sample=True, temperature=temperature, top_k=0, top_p=1.0)
    os.makedirs(out_dir, exist_ok=True)
    derived = f"{name}_passuntil"
    with open(os.path.join(out_dir, f"{derived}.yaml"), "w") as f:
        json.dump({"include": os.path.abspath(base_yaml), "task": derived, "repeats": batch,
                   "generation_kwargs": gen}, f, indent=1)
    return derived


def sample_until_pass(run_round, ids, r: int, k_max: int, log=print) -> pd.DataFrame:
    """Rounds of sampling until every instance has r passes or k_max samples.

    run_round(ids, round_index) -> {doc_id: [0/1, ...]} draws a fresh batch for each listed
    instance with a new seed; `absorb` drops samples past the r-th pass or k_max, so the
    result is what one-at-a-time sampling would have recorded."""
    state = init_state(ids)
    for rnd in range(10_000):
        todo = plan_round(state, r, k_max, batch=k_max)
        if todo.empty:
            break
        state = absorb(state, run_round(todo["id"].tolist(), rnd), r, k_max)
        log(f"round {rnd}: {len(todo)} unresolved, {int(state['K'].sum())} samples so far")
    return state


def summarise_series(runs: pd.DataFrame, checkpoints: pd.DataFrame, axis: str = "flops", seed: int = 0) -> dict:
    """Task-level PU per checkpoint (with CI), the PU(N) law at task and instance level, a
    held-out prediction of the most capable checkpoint, and the curvature of F(N).

    runs: per-instance rows (ckpt, doc_id, K, passes, pu, censored, upper) of every
    checkpoint; checkpoints: indexed by ckpt, with the axis column."""
    rows = []
    for ckpt, g in runs.groupby("ckpt", sort=False):
        rows.append({"ckpt": ckpt, axis: float(checkpoints.loc[ckpt, axis]), **task_pu(g, seed=seed)})
    table = pd.DataFrame(rows).sort_values(axis)
    table = table.reset_index(drop=True)
    # F = log(-log PU) is only defined for 0 < PU < 1
    ok = (table.pu > 0) & (table.pu < 1)
    table["F"] = np.where(ok, np.log(-np.log(table.pu.where(ok, 0.5))), np.nan)
    out = {"axis": axis, "n_ckpts": len(table), "law": None, "law_reason": None, "holdout": None,
           "ipu_holdout": None, "curvature": None}
    try:
        law = fit_law(table[axis], table.pu, table.se.where(table.se > 0))
        out["law"] = {k: law[k] for k in ("c", "alpha", "log_c", "n")}
    except ValueError as e:
        out["law_reason"] = str(e)
    largest = axis != "pretrain_loss"
    inst = runs.merge(table[["ckpt", axis]], on="ckpt")
    for key, kw in (("holdout", {}), ("ipu_holdout", {"id": "doc_id"})):
        try:
            h = predict_holdout(inst if kw else table, x=axis, y="pu", largest=largest, **kw)
            out[key] = {k: h[k] for k in ("x_holdout", "pu_true", "pu_pred", "rel_err")}
        except (ValueError, np.linalg.LinAlgError) as e:
            out[key] = {"reason": str(e)}
    f = table.dropna(subset=["F"])
    if len(f) >= 4:
        x = np.log(f[axis].to_numpy(float)) if axis != "pretrain_loss" else f[axis].to_numpy(float)
        out["curvature"] = classify_curvature(x, f["F"].to_numpy(float))
    out["table"] = table
    return out
