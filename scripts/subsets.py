"""Rule subsets: nested subsets of one task's finetuning pool for every D and draw."""
import json

from emergence import runtime

log = runtime.setup(snakemake.log[0])
from emergence import io, subsets, tasks
runtime.begin_work()

p = snakemake.params
pool = tasks.read_jsonl(snakemake.input.pool)
out = subsets.nested_subsets(len(pool), p.data_amounts, p.samples, p.seed, snakemake.wildcards.task)
io.write_text(json.dumps(out, indent=1, sort_keys=True), snakemake.output[0])
log.info(f"{len(p.data_amounts)} values of D x {p.samples} draws from a pool of {len(pool)}")
