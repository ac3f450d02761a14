"""Rule tables: predictions, Table 2, Table 3 and the ablation tables for every fitted task."""
import json

import pandas as pd

from emergence import runtime

log = runtime.setup(snakemake.log[0])
from emergence import fit, io, tables
from emergence.values import truth_range
runtime.begin_work()

p, out = snakemake.params, snakemake.output
o = p.opts
obs = pd.read_csv(snakemake.input.observations)
fits = [json.load(open(f)) for f in snakemake.input.fits]
# every task's fits in one pool; each task's own metric and chance
per_task = {t["name"]: dict(metric=o["metric"] or t["metric"], chance=t.get("chance")) for t in p.tasks}
n_boot = max(o["bootstrap"]["n"], 10)
# Table 3 is the fit stage's own fit when that ran the same bootstrap: read, not refitted
given = {f["task"]: f for f in fits} if o["bootstrap"]["n"] == n_boot else None
frames = tables.paper_tables(obs, task=list(per_task), mcmc=o["mcmc"], bootstrap={"n": n_boot},
                             d0_multiples=o["d0_multiples"], processes=snakemake.threads, log=log, fits=given,
                             per_task=per_task, method=p.method, seed=p.seed, d0=o["d0"], variant=o["variant"],
                             last_k=o.get("last_checkpoints", 4),
                             **fit.config_options(o))
log.info(f"{', '.join(per_task)}: Tables 2, 3 and the ablations done")
pred = tables.predictions_table(fits)
io.write_csv(pred, out.predictions)
io.write_csv(frames["holdout"], out.holdout)
io.write_csv(frames["uncertainty"], out.uncertainty)
io.write_csv(frames["functional_form"], out.functional_form)
io.write_csv(frames["d0_sweep"], out.d0_sweep)
io.write_text(tables.to_markdown(pred), out.predictions_md)
io.write_text(tables.to_markdown(frames["holdout"]), out.holdout_md)
long = tables.scorecard(frames["holdout"], {f["task"]: truth_range(f) for f in fits if truth_range(f)})
summary = tables.scorecard_summary(long)
io.write_csv(long, out.scorecard)
wide = tables.scorecard_wide(long)
io.write_text("Rows within 0.1 nats (within_range: of every truth in the truth's range, its bootstrap interval and its "
              "elbow on shorter series), closest forecast (ties count for each), horizon (largest k with Full Data and "
              "'-1'..'-k Last Checkpoints' all within; -1: Full Data is not):\n\n"
              + tables.to_markdown(summary) + "\nError (nats) of each forecast on every Table 2 row:\n\n"
              + tables.to_markdown(wide), out.scorecard_md)
