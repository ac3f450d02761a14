"""Rule fit: the emergence-law fit of one task (MLE, MCMC, bootstrap), from the observations alone."""
import pandas as pd

from emergence import runtime

log = runtime.setup(snakemake.log[0])
from emergence import fit, io
runtime.begin_work()

p = snakemake.params
o = p.opts
obs = pd.read_csv(snakemake.input[0])
res = fit.fit_task(obs, p.task["name"], metric=o["metric"] or p.task["metric"], d0=o["d0"],
                   variant=o["variant"], chance=p.task.get("chance"), method=p.method,
                   mcmc=o["mcmc"], bootstrap=o["bootstrap"] if o["bootstrap"]["n"] else None, seed=p.seed,
                   next_run=True, processes=snakemake.threads,
                   **fit.config_options(o))
io.write_json(res, snakemake.output[0])
log.info(f"{p.task['name']}: status {res['status']}, E_mle {res['emergence_point_mle']}, "
         f"truth {res['ground_truth']}, error {res['error_nats']}, ess {res['ess']} ({res['reason']})")
