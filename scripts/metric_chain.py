"""Rule metric_chain: per-sample metric chain of one multiple-choice task, and its correlations."""
import pandas as pd

from emergence import runtime

log = runtime.setup(snakemake.log[0])
from emergence import io, metric_chain
runtime.begin_work()

out = snakemake.output
chain = metric_chain.chain_from_eval_dirs(pd.read_csv(snakemake.input.checkpoints), snakemake.params.eval_dirs,
                                          snakemake.wildcards.task)
corr = metric_chain.correlations(chain)
summary = metric_chain.summarise(corr)
chain.to_csv(out.samples, index=False, float_format="%.6g", compression={"method": "gzip", "mtime": 0})
io.write_csv(corr, out.correlations)
io.write_csv(summary, out.summary)
log.info("\n" + summary.to_string())
