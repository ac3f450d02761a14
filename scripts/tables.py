"""Rule tables: predictions, Table 2, Table 3 and the ablation tables for every fitted task."""
import json

import pandas as pd

from emergence import runtime

log = runtime.setup(snakemake.log[0])
from emergence import fit, io, tables
runtime.begin_work()

p, out = snakemake.params, snakemake.output
o = p.opts
obs = pd.read_csv(snakemake.input.observations)
fits = [json.load(open(f)) for f in snakemake.input.fits]
parts = {"holdout": [], "uncertainty": [], "functional_form": [], "d0_sweep": []}
for task in p.tasks:
    kw = dict(task=task["name"], metric=o["metric"] or task["metric"], chance=task.get("chance"),
              method=p.method, seed=p.seed, d0=o["d0"], variant=o["variant"], **fit.config_options(o))
    # d0 is swept in the D0 table: the sweep sets it per row
    for name, df in tables.paper_tables(obs, mcmc=o["mcmc"], bootstrap={"n": max(o["bootstrap"]["n"], 10)},
                                        d0_multiples=o["d0_multiples"], processes=snakemake.threads, log=log,
                                        **kw).items():
        parts[name].append(df)
    log.info(f"{task['name']}: Tables 2, 3 and the ablations done")
frames = {k: pd.concat(v, ignore_index=True) for k, v in parts.items()}
pred = tables.predictions_table(fits)
io.write_csv(pred, out.predictions)
io.write_csv(frames["holdout"], out.holdout)
io.write_csv(frames["uncertainty"], out.uncertainty)
io.write_csv(frames["functional_form"], out.functional_form)
io.write_csv(frames["d0_sweep"], out.d0_sweep)
io.write_text(tables.to_markdown(pred), out.predictions_md)
io.write_text(tables.to_markdown(frames["holdout"]), out.holdout_md)
long = tables.scorecard(frames["holdout"])
summary = tables.scorecard_summary(long)
io.write_csv(long, out.scorecard)
wide = tables.scorecard_wide(long)
io.write_text("Rows within 0.1 nats, closest forecast, horizon (largest k of '-k Last Checkpoints' still within):\n\n"
              + tables.to_markdown(summary) + "\nError (nats) of each forecast on every Table 2 row:\n\n"
              + tables.to_markdown(wide), out.scorecard_md)
