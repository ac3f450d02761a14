"""Rule fit: the emergence-law fit of one task, from the observations table alone."""
import pandas as pd

from emergence import runtime

log = runtime.setup(snakemake.log[0])
from emergence import fit

p = snakemake.params
obs = pd.read_csv(snakemake.input[0])
res = fit.fit_task(obs, p.task["name"], metric=p.opts["metric"] or p.task["metric"], d0=p.opts["d0"],
                   variant=p.opts["variant"], chance=p.task.get("chance"), method=p.method, seed=p.seed)
fit.write_json(res, snakemake.output[0])
log.info(f"{p.task['name']}: status {res['status']}, E_mle {res['emergence_point_mle']}, "
         f"truth {res['ground_truth']}, error {res['error_nats']} ({res['reason']})")
