"""Whole-run benchmark: wall time of the workflow and where each job's seconds go.

    .venv/bin/python bench/bench_run.py --fresh                 # run config.yaml from scratch
    .venv/bin/python bench/bench_run.py --workdir . --config config.yaml   # an existing run

Per rule: jobs, summed job seconds (Snakemake's benchmark files), and the share spent on
imports, model loading and useful work (the jobs' own timers, <log>.timing.json); start-up
is the rest of the benchmarked seconds (Snakemake preparing the script, interpreter start,
Snakemake's preamble, process exit). Prints figures; asserts nothing.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

import pandas as pd
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default=os.path.join(REPO, "config.yaml"))
    ap.add_argument("--workdir", default=None, help="where results/ is (default: a fresh temp dir)")
    ap.add_argument("--fresh", action="store_true", help="run the workflow from scratch first")
    ap.add_argument("--cores", default="all")
    a = ap.parse_args()
    name = yaml.safe_load(open(a.config))["name"]
    work = a.workdir or tempfile.mkdtemp(prefix="bench-run-")
    if a.fresh:
        cmd = [os.path.join(os.path.dirname(sys.executable), "snakemake"), "-s", os.path.join(REPO, "Snakefile"),
               "-d", work, "--configfile", os.path.abspath(a.config), "--cores", a.cores, "-q"]
        t0 = time.time()
        subprocess.run(cmd, check=True, cwd=REPO, env={**os.environ, "OMP_NUM_THREADS": "1"})
        print(f"wall time, {name} from scratch on {os.cpu_count()} cores: {time.time() - t0:.0f} s")
    out = os.path.join(work, "results", name)
    rows = []
    for tsv in glob.glob(os.path.join(out, "benchmarks", "**", "*.tsv"), recursive=True):
        rel = os.path.relpath(tsv, os.path.join(out, "benchmarks"))
        rule = rel.split(os.sep)[0].removesuffix(".tsv")
        b = pd.read_csv(tsv, sep="\t").iloc[-1]
        log = os.path.join(out, "logs", rel.removesuffix(".tsv") + ".log.timing.json")
        t = json.load(open(log)) if os.path.exists(log) else {}
        r = {"rule": rule, "s": float(b["s"]), **{k: t.get(k, 0.0) for k in ("imports", "load", "work")}}
        # everything of the job's benchmarked seconds that is not its own imports, loading or
        # work: Snakemake writing the script, interpreter start, the preamble, and exit
        r["startup"] = max(0.0, r["s"] - r["imports"] - r["load"] - r["work"])
        rows.append(r)
    df = pd.DataFrame(rows)
    if df.empty:
        sys.exit(f"no benchmark files under {out}")
    per = df.groupby("rule").agg(jobs=("s", "size"), seconds=("s", "sum"), startup=("startup", "sum"),
                                 imports=("imports", "sum"), load=("load", "sum"), work=("work", "sum"))
    timed = per[["startup", "imports", "load", "work"]].sum(axis=1)
    for k in ("startup", "imports", "load", "work"):
        per[f"{k}%"] = (100 * per[k] / timed.where(timed > 0)).round(1)
    pd.set_option("display.width", 160)
    print(per[["jobs", "seconds", "startup%", "imports%", "load%", "work%"]].sort_values("seconds", ascending=False)
          .to_string(float_format=lambda x: f"{x:.1f}"))
    tot = per[["startup", "imports", "load", "work"]].sum()
    over = 100 * (tot["startup"] + tot["imports"] + tot["load"]) / tot.sum()
    print(f"\njobs {int(per.jobs.sum())}, summed job time {per.seconds.sum():.0f} s; overhead (start-up + imports "
          f"+ model loading) {over:.1f} % of job seconds ({tot['startup']:.0f} + {tot['imports']:.0f} + "
          f"{tot['load']:.0f} s of {tot.sum():.0f} s)")


if __name__ == "__main__":
    main()
