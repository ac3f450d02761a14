"""A toy config on other master seeds and toy languages: does the forecast hold?

    .venv/bin/python bench/bench_seeds.py --seeds 1 2 3 --languages 0 7      # runs, then summarises
    .venv/bin/python bench/bench_seeds.py --seeds 1 2 3 --languages 0 7 --summarise-only --with-default
    .venv/bin/python bench/bench_seeds.py --config configs/toy_lure.yaml --seeds 1 2 --languages 0

Each (seed, language) runs the config (default config.yaml) with `seed`, `toy.corpus.seed`
and a fresh `name` (<name>_s<seed>_l<language>; the default's: toy_s<seed>_l<language>) up
to its tables (no figures or cards), one run after another, in this checkout's results/.
Prints one line per run and fitted task: status, MLE, truth, error, the error of each
baseline on the Full Data row, Table 2 rows within 0.1 nats (all, and the paper's 19: '-k Last
Checkpoints' to k = 4 only), rows where the law is closer
than the trivial forecast, and the reach: the most FLOPs ahead (along the run that crosses
the truth) of a '-k Last Checkpoints' row within 0.1 nats and at least 2x closer than
trivial (the issue's bar; k up to --max-k, default 8), the same for every truth in the truth's
range (`reach_range`: its bootstrap interval and its elbow on shorter series, values.truth_range;
measured to the earliest truth there; `table2_within_range` likewise), the bound on it that the finetuned rows
set (`lift_bound`: the truth's FLOPs over those of the second pre-emergence checkpoint where a
finetuned run scores 0.1 above the floor; emergence.horizon.lift_horizon), and whether Table 3's
5-95 % MCMC and predictive intervals hold the truth. Prints figures; asserts nothing.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import pandas as pd
import yaml

from emergence.horizon import compute_horizon, lift_horizon
from emergence.tables import holdout_rows
from emergence.values import TIE_NATS, truth_range, truthy, within_all

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAPER_ROWS = set(holdout_rows(4))


def run_name(config: str, seed: int, lang: int) -> str:
    return f"{yaml.safe_load(open(os.path.join(REPO, config)))['name']}_s{seed}_l{lang}"


def run(config: str, seed: int, lang: int, cores: str, refit: bool = False) -> str:
    c = yaml.safe_load(open(os.path.join(REPO, config)))
    name = run_name(config, seed, lang)
    c.update(name=name, seed=seed)
    c["toy"]["corpus"]["seed"] = lang
    # one fixed file per run name: the workflow ties results/<name> to the config file that made it
    path = os.path.join(tempfile.gettempdir(), "emergence-bench-seeds", f"{name}.yaml")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        yaml.safe_dump(c, f, sort_keys=False)
    target = f"results/{name}/tables/scorecard.csv"
    t0 = time.time()
    p = subprocess.run([os.path.join(os.path.dirname(sys.executable), "snakemake"), target, "--cores", cores,
                        # a refit redoes the statistics only, whatever else changed in config.yaml since
                        *(["--forcerun", "fit", "tables", "--rerun-triggers", "mtime"] if refit else []),
                        "--configfile", path, "-q", "progress"], cwd=REPO, env={**os.environ, "OMP_NUM_THREADS": "1"})
    # a failed run is a finding, not the end of the sweep: say so and go on
    print(f"# {name}: {time.time() - t0:.0f} s" + ("" if p.returncode == 0 else f", FAILED (exit {p.returncode})"),
          flush=True)
    return name


def twice_closer_throughout(e, triv, rng) -> bool:
    """Is the law at e at least 2x closer than the trivial forecast for every truth in rng? The gap
    2|e - T| - |triv - T| is piecewise linear in T: its largest value lies at an end or a kink."""
    lo, hi = rng
    return all(2 * abs(e - t) <= abs(triv - t) + 1e-9 for t in (lo, hi, e, triv) if lo <= t <= hi)


def reach(h: pd.DataFrame, name: str, task: str, max_k: int = 8) -> tuple[str, str, str]:
    """The most FLOPs ahead of a row within 0.1 nats and >= 2x closer than trivial ('-' if none);
    the same for every truth in the truth's range (values.truth_range), measured to its earliest
    truth ('-' where no row qualifies or the run predates the range); and the bound the finetuned
    rows set on the reach (horizon.lift_horizon: truth FLOPs over those of the second
    pre-emergence checkpoint with a finetuned run off the floor)."""
    fit = json.load(open(os.path.join(REPO, "results", name, "fits", f"{task}.json")))
    ck = pd.read_csv(os.path.join(REPO, "results", name, "checkpoints.csv"))
    hz = compute_horizon(h, fit, ck, task, max_k=max_k)
    if hz is None:
        return "-", "-", "-"
    ok = hz[(hz["error_nats"] <= 0.1) & (hz["error_nats"] * 2 <= hz["trivial_error"])]
    r = ok["ratio_truth"].dropna()
    rng, steady = truth_range(fit), "-"
    if rng is not None and "trivial_E" in h.columns:
        rows = h[h["task"] == task].set_index("ablation")
        good = [ratio for a, ratio, w in zip(hz["ablation"], hz["ratio_truth_early"], hz["within_range"])
                if truthy(w) and pd.notna(ratio) and pd.notna(rows.loc[a, "trivial_E"])
                and twice_closer_throughout(rows.loc[a, "emergence_point_mle"], rows.loc[a, "trivial_E"], rng)]
        steady = f"{max(good):.2f}x" if good else "-"
    obs = pd.read_csv(os.path.join(REPO, "results", name, "observations.csv"))
    lift = lift_horizon(obs, fit, hz["truth_flops"].iloc[0], run=(hz["series"].iloc[0], hz["size"].iloc[0]), task=task)
    return (f"{r.max():.2f}x" if len(r) else "-"), steady, ("-" if lift is None else f"{lift['ratio_truth']:.2f}x")


def holds(u: pd.DataFrame, task: str, view: str) -> str:
    """Does Table 3's 5-95 % interval of a view (mcmc, pred) hold the truth: Y, n or - (none)."""
    lo, hi = (u.loc[task].get(f"{view}_{p}") if task in u.index else None for p in ("p5", "p95"))
    t = u.loc[task, "ground_truth"] if task in u.index else None
    if any(v is None or pd.isna(v) for v in (lo, hi, t)):
        return "-"
    return "Y" if lo <= t <= hi else "n"


def summarise(name: str, seed: int, lang: int, max_k: int = 8) -> list[dict]:
    out = os.path.join(REPO, "results", name, "tables")
    h = pd.read_csv(os.path.join(out, "holdout_ablation.csv"))
    u = pd.read_csv(os.path.join(out, "uncertainty.csv")).set_index("task")
    rows = []
    for task, g in h.groupby("task", sort=False):
        far, steady, bound = reach(h, name, task, max_k)
        full = g[g["ablation"] == "Full Data"].iloc[0]
        fit = json.load(open(os.path.join(REPO, "results", name, "fits", f"{task}.json")))
        rng = truth_range(fit)
        g = g[g["status"] != "not applicable"]  # e.g. 'Only Subset Sample 2' of a run with one draw a D
        p19 = g[g["ablation"].isin(PAPER_ROWS)]  # the paper's 19 rows ('-k Last' to k = 4), less any n/a
        closer = (g["error_nats"] < g["trivial_error"] - TIE_NATS).sum()  # a tie is no win
        rows.append(dict(run=name, seed=seed, language=lang, task=task, status=full["status"],
                         mle=full["emergence_point_mle"], truth=full["ground_truth"], error=full["error_nats"],
                         trivial=full["trivial_error"], fewshot_only=full.get("fewshot_only_error"),
                         two_step=full.get("two_step_error"), passuntil=full.get("passuntil_error"),
                         table2_within=f"{int((g['error_nats'] <= 0.1).sum())}/{len(g)}",
                         # of every truth in the truth's range (values.truth_range; '-': no range measured)
                         table2_within_range="-" if rng is None else
                         f"{sum(within_all(e, *rng) for e in g['emergence_point_mle'].dropna())}/{len(g)}",
                         paper19_within=f"{int((p19['error_nats'] <= 0.1).sum())}/{len(p19)}",
                         law_closer=f"{int(closer)}/{len(g)}", reach_2x_closer=far, reach_range=steady,
                         lift_bound=bound,
                         **{f"{v}_holds": holds(u, task, v) for v in ("mcmc", "pred")}))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="config.yaml", help="the config to vary (default: config.yaml)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--languages", type=int, nargs="+", default=[0, 7])
    ap.add_argument("--cores", default="all")
    ap.add_argument("--summarise-only", action="store_true")
    ap.add_argument("--max-k", type=int, default=8, help="the reach looks at '-k Last Checkpoints' rows to this k")
    ap.add_argument("--refit", action="store_true", help="redo the fits and tables of existing runs (new fit code)")
    ap.add_argument("--with-default", action="store_true", help="also summarise the default run (results/<name>)")
    a = ap.parse_args()
    rows = []
    if a.with_default:
        c = yaml.safe_load(open(os.path.join(REPO, a.config)))
        rows += summarise(c["name"], c.get("seed", 0), c["toy"]["corpus"].get("seed", 0), a.max_k)
    for lang in a.languages:
        for seed in a.seeds:
            name = run_name(a.config, seed, lang) if a.summarise_only else run(a.config, seed, lang, a.cores, a.refit)
            try:
                rows += summarise(name, seed, lang, a.max_k)
            except FileNotFoundError as e:
                rows.append(dict(run=name, seed=seed, language=lang, status=f"no tables ({e.filename})"))
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.precision", 3):
        print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
