"""Rule passuntil_fit: task-level PU per checkpoint, the PU(N) law, a held-out prediction, curvature."""
import pandas as pd

from emergence import runtime

log = runtime.setup(snakemake.log[0])
from emergence import io, passuntil
runtime.begin_work()

p = snakemake.params
runs = pd.concat([pd.read_csv(f) for f in snakemake.input.runs], ignore_index=True)
ck = pd.read_csv(snakemake.input.checkpoints).set_index("ckpt")
result = passuntil.summarise_series(runs, ck, axis=p.opts["axis"], seed=p.seed)
io.write_csv(result.pop("table"), snakemake.output.table)
io.write_json(result, snakemake.output.fit)
log.info(f"{result}")
