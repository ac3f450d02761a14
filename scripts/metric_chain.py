"""Rule metric_chain: per-sample metric chain of one multiple-choice task, and its correlations."""
import time

import pandas as pd

from emergence import runtime

log = runtime.setup(snakemake.log[0])
from emergence import io, metric_chain
runtime.begin_work()

out = snakemake.output
t0 = time.time()
chain = metric_chain.chain_from_eval_dirs(pd.read_csv(snakemake.input.checkpoints), snakemake.params.eval_dirs,
                                          snakemake.wildcards.task)
log.info(f"chain: {chain['doc_id'].nunique()} samples x {chain['ckpt'].nunique()} checkpoints read in "
         f"{time.time() - t0:.1f}s")
t0 = time.time()
corr = metric_chain.correlations(chain)
log.info(f"correlations: {len(corr)} (sample, metric, method) rows in {time.time() - t0:.1f}s")
summary = metric_chain.summarise(corr)
chain.to_csv(out.samples, index=False, float_format="%.6g", compression={"method": "gzip", "mtime": 0})
io.write_csv(corr, out.correlations)
io.write_csv(summary, out.summary)
log.info("\n" + summary.to_string())
