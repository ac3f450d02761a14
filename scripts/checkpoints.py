"""Rule checkpoints: one table of every checkpoint (series, size, step, params, tokens, FLOPs, loss)."""
import pandas as pd

from emergence import runtime

runtime.setup(snakemake.log[0])
from emergence import io
runtime.begin_work()
df = pd.concat([pd.read_csv(f) for f in snakemake.input]).sort_values(["series", "size", "step"])
io.write_csv(df, snakemake.output[0])
