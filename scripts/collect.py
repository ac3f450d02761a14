"""Rule collect: merge every evaluation table with the checkpoint table."""
import pandas as pd

from emergence import runtime

log = runtime.setup(snakemake.log[0])
from emergence import collect, io
runtime.begin_work()

evals = [pd.read_csv(f) for f in snakemake.input.evals]
if "passuntil" in snakemake.input.keys():
    evals.append(collect.passuntil_rows(pd.read_csv(snakemake.input.passuntil), snakemake.params.passuntil_task,
                                        snakemake.params.num_fewshot))
obs = collect.observations(pd.read_csv(snakemake.input.checkpoints), evals)
io.write_csv(obs, snakemake.output[0])
log.info(f"{len(obs)} observations")
