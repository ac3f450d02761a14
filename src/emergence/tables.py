"""The paper's tables as functions from an observations DataFrame to tidy DataFrames.

Table 2 (hold-out ablation), Table 3 (MCMC vs bootstrap uncertainty), and the Figure 6
ablations (functional form, D0). Every fit goes through fit.fit_task; a hold-out row is a
filter applied to the pre-emergence rows only, so the ground truth always comes from every
few-shot row. A row whose filter holds nothing out or everything is `not applicable`.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from emergence import scoring
from emergence.parallel import map_ordered
from emergence.baselines import NAMES as BASELINES
from emergence.fit import FAIL_NATS, fit_task
from emergence.values import TIE_NATS, within_all
from emergence.values import num as _num
from emergence.observations import InputError, task_frame

DEFAULT_MCMC = {}  # uncertainty.MCMC_DEFAULTS: chains grow until converged


# ---------------------------------------------------------------------------------------------
# Table 2 row definitions. Each filter maps the pre-emergence fit rows to the rows kept.

def _ft(df):
    return df["data_amount"] > 0


def _drop_D(k, largest):
    def f(df):
        Ds = np.sort(df.loc[_ft(df), "data_amount"].unique())
        drop = Ds[-k:] if largest else Ds[:k]
        return df[~df["data_amount"].isin(drop)]
    return f


def _only_sample(s):
    # samples are numbered from 1 in the finetuned rows; few-shot rows (sample 0) stay
    return lambda df: df[~_ft(df) | (df["subset_sample"] == s)]


def _by_capability(df):
    """Checkpoint ids, most capable (lowest loss) first."""
    return df.groupby("ckpt_id")["pretrain_loss"].mean().sort_values(kind="stable").index.tolist()


def _last(k):
    return lambda df: df[df["ckpt_id"].isin(_by_capability(df)[:k])]


def _last6_every_other(parity):
    # of the 6 most capable, most capable first: Even keeps positions 0, 2, 4; Odd 1, 3, 5
    return lambda df: df[df["ckpt_id"].isin(_by_capability(df)[:6][parity::2])]


def _drop_last(k):
    return lambda df: df[~df["ckpt_id"].isin(_by_capability(df)[:k])]


def holdout_rows(last_k: int = 4) -> dict:
    """Every SPEC Table 2 row, in the paper's order: name -> filter(pre-emergence rows).
    last_k: '-k Last Checkpoints' for k = 1..last_k (the paper's 4; a run with dense
    checkpoints needs more to show how far ahead the law sees)."""
    rows = {"Full Data": lambda df: df}
    for k in (1, 2, 3):
        rows[f"-{k} Smallest Subset"] = _drop_D(k, largest=False)
    for k in (1, 2, 3):
        rows[f"-{k} Largest Subset"] = _drop_D(k, largest=True)
    for s in (1, 2):
        rows[f"Only Subset Sample {s}"] = _only_sample(s)
    for k in (6, 5, 4, 3):
        rows[f"Last {k} Checkpoints"] = _last(k)
    rows["Last 6, Every Other Even"] = _last6_every_other(0)
    rows["Last 6, Every Other Odd"] = _last6_every_other(1)
    for k in range(1, last_k + 1):
        rows[f"-{k} Last Checkpoints"] = _drop_last(k)
    return rows


_LAST = re.compile(r"^-(\d+) Last Checkpoints$")


def row_filter(name: str):
    """The filter of Table 2 row `name` (any '-k Last Checkpoints', not only the first four)."""
    m = _LAST.match(name)
    return _drop_last(int(m.group(1))) if m else holdout_rows()[name]


def last_rows(names) -> list[str]:
    """'Full Data' then the '-k Last Checkpoints' among names, by k: the horizon's rows."""
    ks = sorted(int(m.group(1)) for m in map(_LAST.match, map(str, names)) if m)
    return ["Full Data"] + [f"-{k} Last Checkpoints" for k in ks]


def _tasks(obs, task):
    if task is None:
        return sorted(obs["task"].astype(str).unique())
    return [task] if isinstance(task, str) else list(task)


def _err_row(r):
    ep, pi, pc = r["error_percentiles"] or {}, r["profile_interval"] or {}, r["percentiles"] or {}
    return dict(emergence_point_mle=r["emergence_point_mle"], ground_truth=r["ground_truth"],
                error_nats=r["error_nats"], err_p5=ep.get("p5"), err_p95=ep.get("p95"),
                mcmc_p5=pc.get("p5"), mcmc_p95=pc.get("p95"), profile_lo=pi.get("lo"), profile_hi=pi.get("hi"),
                failed=r["failed"], status=r["status"])


def _holdout_row(t, name, r):
    return dict(task=t, ablation=name, n_ckpts=r["n_ckpts"], n_rows=r["n_rows"], **_err_row(r),
                trivial_error=r.get("baseline_trivial_error"), beats_trivial=r.get("beats_trivial"),
                **{f"{b}_error": (r.get("baselines") or {}).get(b, {}).get("error") for b in BASELINES[1:]},
                # each forecast's loss too: its error against a truth elsewhere in the truth's range (scorecard)
                **{f"{b}_E": (r.get("baselines") or {}).get(b, {}).get("E") for b in BASELINES},
                ess=r["ess"], mcmc_steps=r["mcmc_steps"], mcmc_converged=r["mcmc_converged"],
                reason=r["reason"] or r["percentiles_reason"])


def holdout_ablation(obs, task=None, mcmc=DEFAULT_MCMC, rows=None, processes=1, **fit_kw) -> pd.DataFrame:
    """Table 2: one row per (task, hold-out). err_p5/err_p95 are percentiles of the MCMC
    posterior errors |E_sample - truth|; mcmc_p5/p95 and profile_lo/hi the 90 % intervals
    of E(D0); trivial_error is the error of the trivial forecast (emergence at the most
    capable checkpoint the row fits), beats_trivial whether the law's MLE was closer. fit_kw
    go to fit_task (metric, chance, seed, ...). rows: names of holdout_rows() (default all)."""
    return paper_tables(obs, task, mcmc, which=("holdout",), processes=processes, holdout_names=rows,
                        **fit_kw)["holdout"]


def scorecard(holdout: pd.DataFrame, truth_ranges: dict | None = None) -> pd.DataFrame:
    """The law beside each baseline on every Table 2 row: one row per (task, ablation,
    forecast) with its error, whether it is within FAIL_NATS and whether it is the closest.
    truth_ranges: {task: (lo, hi)}, where the task's truth could lie (values.truth_range);
    `within_range` says whether the forecast stays within FAIL_NATS of every truth there
    (None without a range or a forecast)."""
    cols = {"law": ("error_nats", "emergence_point_mle"), **{b: (f"{b}_error", f"{b}_E") for b in BASELINES}}
    if "status" in holdout.columns:  # rows that are no ablation of this run's data count nowhere
        holdout = holdout[holdout["status"] != NOT_APPLICABLE]
    long = []
    for _, r in holdout.iterrows():
        errs = {m: _num(r.get(c)) for m, (c, _) in cols.items()}
        known = [v for v in errs.values() if v is not None]
        rng = (truth_ranges or {}).get(r["task"])
        for m, v in errs.items():
            e = _num(r.get(cols[m][1]))
            long.append(dict(task=r["task"], ablation=r["ablation"], forecast=m, error_nats=v,
                             within=None if v is None else v <= FAIL_NATS,
                             within_range=None if v is None or e is None or rng is None else within_all(e, *rng),
                             best=None if v is None else v <= min(known) + TIE_NATS))  # ties count for each
    return pd.DataFrame(long, columns=["task", "ablation", "forecast", "error_nats", "within", "within_range", "best"])


def scorecard_wide(long: pd.DataFrame) -> pd.DataFrame:
    """The scorecard as one row per (task, Table 2 row), one error column per forecast."""
    return long.pivot_table(index=["task", "ablation"], columns="forecast", values="error_nats", sort=False,
                            dropna=False).reset_index().rename_axis(columns=None)


def scorecard_summary(long: pd.DataFrame) -> pd.DataFrame:
    """Per (task, forecast): rows scored, rows within FAIL_NATS (and of every truth in the
    task's range, where scorecard() had one: within_range), rows it is the closest
    forecast on, median error, and its horizon: the largest k such that 'Full Data' and
    '-1'..'-k Last Checkpoints' all stay within FAIL_NATS (-1: not even 'Full Data')."""
    out = []
    for (t, m), g in long.groupby(["task", "forecast"], sort=False):
        ok = set(g.loc[g["within"] == True, "ablation"])  # noqa: E712  (None/NaN count as not within)
        horizon_rows = last_rows(g["ablation"].unique())
        k = next((i - 1 for i, name in enumerate(horizon_rows) if name not in ok), len(horizon_rows) - 1)
        out.append(dict(task=t, forecast=m, rows=len(g), rows_scored=int(g["error_nats"].notna().sum()),
                        within=len(ok),
                        within_range=int((g["within_range"] == True).sum())  # noqa: E712
                        if "within_range" in g and g["within_range"].notna().any() else None,
                        closest=int((g["best"] == True).sum()),  # noqa: E712
                        median_error=g["error_nats"].median(), horizon_k=k))
    out = pd.DataFrame(out)
    if "within_range" in out:  # a count, or missing where the scorecard had no truth range
        out["within_range"] = out["within_range"].astype("Int64")
    return out


def uncertainty_row(t, r: dict) -> dict:
    """Table 3's row of task t from a fit result (emergence.fit.fit_task, with MCMC and bootstrap)."""
    row = dict(task=t, emergence_point_mle=r["emergence_point_mle"], ground_truth=r["ground_truth"])
    for src, key in (("mcmc", "percentiles"), ("boot", "bootstrap_percentiles"), ("pred", "predictive_percentiles")):
        for p, v in (r.get(key) or {}).items():  # fits written before a view existed lack its key
            row[f"{src}_{p}"] = v
    pi = r["profile_interval"] or {}
    return dict(row, profile_lo=pi.get("lo"), profile_hi=pi.get("hi"), mcmc_steps=r["mcmc_steps"],
                bootstrap_n_ok=r["bootstrap_n_ok"], status=r["status"], reason=r["reason"] or r["percentiles_reason"])


def uncertainty_table(obs, task=None, mcmc=DEFAULT_MCMC, bootstrap=None, processes=1, **fit_kw) -> pd.DataFrame:
    """Table 3: per task, E(D0) from the MCMC posterior, the bootstrap (percentiles) and the
    profile likelihood (90 % interval), side by side. bootstrap: default {n: 100}."""
    return paper_tables(obs, task, mcmc, bootstrap, which=("uncertainty",), processes=processes,
                        **fit_kw)["uncertainty"]


def functional_form_table(obs, task=None, variants=("log_power", "power", "no_fewshot"),
                          mcmc=DEFAULT_MCMC, processes=1, **fit_kw) -> pd.DataFrame:
    """Figure 6 (left): MLE error and posterior error percentiles per law variant, and its
    held-out predictive score (emergence.scoring: mean log density of the most capable
    fitted checkpoints' finetuned rows under a refit without them; what a user without a
    ground truth can rank variants by)."""
    return paper_tables(obs, task, mcmc, variants=variants, which=("functional_form",), processes=processes,
                        **fit_kw)["functional_form"]


def d0_sweep_table(obs, task=None, multiples=(1, 2, 5, 10, 20, 50), mcmc=DEFAULT_MCMC, processes=1,
                   **fit_kw) -> pd.DataFrame:
    """Figure 6 (right): the prediction at D0 = m*N (N = 0 counts as 1)."""
    return paper_tables(obs, task, mcmc, d0_multiples=multiples, which=("d0_sweep",), processes=processes,
                        **fit_kw)["d0_sweep"]


def _fit_one(job):
    """One distinct fit of paper_tables: (fit_task result, held-out score or None). A job with
    a fifth element carries the fit stage's result for these options: only the score is left."""
    obs, t, kw, want_lpd, *stage = job
    if "select" in kw:  # a Table 2 row by name: its filter is a closure, which workers cannot receive
        kw = {**kw, "select": row_filter(kw["select"])}
    r = stage[0] if stage else fit_task(obs, t, **kw)
    if not want_lpd:
        return r, None
    df, *_ = task_frame(obs, t, r["metric"], r["method"], r["num_fewshot"])
    rows = df[df["ckpt_id"].isin(r.get("fit_ckpts") or [])]
    return r, (scoring.heldout_lpd(rows, r["d0"], r["variant"], priors=kw.get("priors"))["lpd"] if len(rows)
               else None)


NOT_APPLICABLE = "not applicable"
_SAMPLE = re.compile(r"^Only Subset Sample (\d+)$")


def _draws_missing(draws, s, whose="this run has") -> str | None:
    """Why 'Only Subset Sample s' is no ablation where the finetuned rows have these draws."""
    if len(draws) >= 2 and s in draws:
        return None
    have = "none" if not draws else f"one (draw {draws[0]})" if len(draws) == 1 else \
        f"draws {', '.join(map(str, draws))}"
    what = "this row would be Full Data again" if list(draws) == [s] else f"there is no draw {s}"
    return f"needs >= 2 draws of data a D (finetune.subset_samples); {whose} {have}: {what}"


def _not_applicable(obs, t, kw, name) -> str | None:
    """Why Table 2 row `name` is no ablation of task t's data, known before fitting (None:
    fit it): 'Only Subset Sample s' keeps draw s of every D, so with one draw a D
    (finetune.subset_samples: 1) it is Full Data again, and a draw the run did not make leaves
    no finetuned row; fitted anyway, the first would count Full Data twice and the second a
    failure that is not one. The fit tells the rest (_no_ablation)."""
    m = _SAMPLE.match(name)
    if m is None:
        return None
    try:
        df, *_ = task_frame(obs, t, kw.get("metric"), kw.get("method"), kw.get("num_fewshot"))
    except InputError:
        return None  # the fit says what is wrong
    draws = sorted(int(v) for v in df.loc[df["data_amount"] > 0, "subset_sample"].unique())
    return None if len(draws) >= 2 else _draws_missing(draws, int(m.group(1)))


def _no_ablation(name, r) -> str | None:
    """Why Table 2 row `name`, fitted as r, is no ablation of the task's pre-emergence rows
    (None: it is one): a row that holds nothing out is Full Data again ('Last k Checkpoints'
    keeping the whole set; 'Only Subset Sample' where those rows have one draw), and a row
    that holds out every checkpoint leaves nothing to fit, so no forecast failed (Table 2 goes
    to '-24' on a dense series, fit.last_checkpoints, whatever each task's set). Rows keeping
    checkpoints the run never finetuned stay misses: that is the run's design, not the table's."""
    if name == "Full Data" or r.get("n_pre_rows") is None:  # a fit written before the counts existed
        return None
    m = _SAMPLE.match(name)
    if m is not None:
        why = _draws_missing(r.get("pre_draws") or [], int(m.group(1)), "its pre-emergence rows have")
        if why is not None:
            return why
    if r["n_ckpts"] == 0:
        return f"holds out every pre-emergence checkpoint (the task has {r['n_pre_emergence']}): nothing left to fit"
    if r["n_rows"] == r["n_pre_rows"]:
        return f"holds out nothing of the task's pre-emergence rows ({r['n_pre_emergence']} checkpoints): Full Data again"
    return None


def _na_row(t, name, why) -> dict:
    """A Table 2 row that is no ablation here (_not_applicable, _no_ablation): no forecast, no
    baseline, counted nowhere; `reason` says why."""
    stub = dict(n_ckpts=None, n_rows=None, emergence_point_mle=None, ground_truth=None, error_nats=None,
                error_percentiles=None, profile_interval=None, percentiles=None, failed=None,
                status=NOT_APPLICABLE, ess=None, mcmc_steps=None, mcmc_converged=None, reason=why)
    return _holdout_row(t, name, stub)


def _key(t, kw):
    return repr((t, sorted(kw.items(), key=lambda kv: kv[0])))


def paper_tables(obs, task=None, mcmc=DEFAULT_MCMC, bootstrap=None, d0_multiples=(1, 2, 5, 10, 20, 50),
                 variants=("log_power", "power", "no_fewshot"), which=("uncertainty", "holdout", "functional_form",
                                                                       "d0_sweep"), processes=1, log=None,
                 fits=None, per_task=None, holdout_names=None, last_k=4, **fit_kw) -> dict:
    """Every table at once, every task's fits in one pool so that no worker idles while
    another runs a long chain: the task with the longest chains is dealt out first, and
    within a task Table 3 (its bootstrap is the longest single fit). `variant` in fit_kw
    applies to every table but the functional-form one. Returns
    {name: DataFrame} for the names in `which`. bootstrap: default {n: 100}.
    per_task: {task: fit_kw for that task only} (its metric, chance). fits: {task: the fit
    stage's result}, made with these options and this bootstrap: Table 3's row is read from
    it instead of fitted again (the same seeded fit gives the same numbers). holdout_names:
    the Table 2 rows to fit (default every one of holdout_rows(last_k)).

    A fit that several tables share runs once: 'Full Data' of Table 2, the functional-form
    row of the default variant and the D0 sweep's row at the default D0 are the same seeded
    fit (a third of the default toy's table time, otherwise). Where Table 3 is made (or read),
    that fit is Table 3's, bootstrap included: one forecast carries one status everywhere it
    is reported (without the bootstrap, a Full Data row could read 'ok' where the fit stage's
    bootstrap disagrees with its MCMC and says 'weak')."""
    bootstrap = {"n": 100} if bootstrap is None else bootstrap
    rows, unique, given = [], {}, {}  # rows: (table, task, label, key); unique: key -> fit job; given: key -> result

    def add(table, t, label, kw, lpd=False):
        if kw == base:  # the task's default forecast: Table 3's fit where there is one
            kw = full
        key = _key(t, kw)
        job = unique.get(key)
        unique[key] = (obs, t, kw, lpd or (job is not None and job[3]))
        rows.append((table, t, label, key))

    for t in _tasks(obs, task):
        kw = {**fit_kw, **(per_task or {}).get(t, {}), "mcmc": mcmc}
        N = int(obs.loc[(obs["task"].astype(str) == t) & (obs["method"] == "fewshot"), "num_fewshot"].max())
        base = {**kw, "variant": kw.get("variant", "log_power"),
                "d0": float(kw["d0"]) if kw.get("d0") is not None else float(max(N, 1))}
        stage = (fits or {}).get(t)
        full = {**base, "bootstrap": bootstrap} if "uncertainty" in which or stage is not None else base
        if stage is not None:  # the same seeded fit gives the same numbers: read, not refitted
            given[_key(t, full)] = stage
        if "uncertainty" in which:
            add("uncertainty", t, None, full)
        if "holdout" in which:
            for name in holdout_names or holdout_rows(last_k):
                why = _not_applicable(obs, t, base, name)
                if why is not None:
                    rows.append(("holdout", t, name, (NOT_APPLICABLE, why)))
                    continue
                add("holdout", t, name, base if name == "Full Data" else {**base, "select": name})
        if "functional_form" in which:
            for v in variants:
                add("functional_form", t, v, {**base, "variant": v}, lpd=True)
        if "d0_sweep" in which:
            for m in d0_multiples:
                add("d0_sweep", t, m, {**base, "d0": float(m * max(N, 1))})
    # longest first, so that the pool does not end on one worker running a long chain alone:
    # a task's chains are about as long as its fit stage's (mcmc_steps), hold-outs and all
    length = {t: ((fits or {}).get(t) or {}).get("mcmc_steps") or 0 for t in _tasks(obs, task)}
    keys = sorted(unique, key=lambda k: -length[unique[k][1]])  # stable: table order within a task
    jobs = [unique[k] if k not in given else (*unique[k], given[k]) for k in keys]
    done = dict(zip(keys, map_ordered(_fit_one, jobs, processes, log=log)))
    out = {name: [] for name in which}
    for table, t, label, key in rows:
        if isinstance(key, tuple):  # a Table 2 row that is no ablation here, and why
            out[table].append(_na_row(t, label, key[1]))
            continue
        r, lpd = done[key]
        if table == "uncertainty":
            out[table].append(uncertainty_row(t, r))
        elif table == "holdout":
            why = _no_ablation(label, r)
            out[table].append(_holdout_row(t, label, r) if why is None else _na_row(t, label, why))
        elif table == "functional_form":
            out[table].append(dict(task=t, variant=label, **_err_row(r), heldout_lpd=lpd))
        else:
            out[table].append(dict(task=t, d0_multiple=label, d0=r["d0"], **_err_row(r)))
    return {name: pd.DataFrame(v) for name, v in out.items()}


def to_markdown(df: pd.DataFrame, digits=3) -> str:
    """A GitHub markdown table; missing values print as '-'."""
    def cell(v):
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            return "-"
        if isinstance(v, (bool, np.bool_)):
            return "yes" if v else "no"
        if isinstance(v, (float, np.floating)):
            return f"{v:.{digits}f}"
        return str(v).replace("|", "\\|")

    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines) + "\n"


PREDICTION_COLUMNS = ["task", "metric", "variant", "d0", "n_ckpts", "emergence_point_mle", "ground_truth",
                      "error_nats", "failed", "status", "reason"]
INTERVALS = (("MCMC", "mcmc"), ("bootstrap", "boot"), ("profile", "profile"), ("predictive", "pred"))


def predictions_table(fits: list[dict]) -> pd.DataFrame:
    """One row per task: the fitted prediction against the ground truth."""
    rows = []
    for f in fits:
        row = {c: f.get(c) for c in PREDICTION_COLUMNS[:-2]}
        for name, short in INTERVALS:  # the 90 % interval of each view, where it exists
            v = (f.get("intervals") or {}).get(name)
            row[f"{short}_lo"], row[f"{short}_hi"] = (v["lo"], v["hi"]) if isinstance(v, dict) else (None, None)
        rows.append(dict(row, status=f.get("status"), reason=f.get("reason")))
    cols = PREDICTION_COLUMNS[:-2] + [f"{s}_{e}" for _, s in INTERVALS for e in ("lo", "hi")] + ["status", "reason"]
    return pd.DataFrame(rows, columns=cols)
