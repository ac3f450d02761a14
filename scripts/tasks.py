"""Rule tasks: a toy task generated from the seed, or a user's JSONL task validated and copied."""
import os

from emergence import runtime

log = runtime.setup(snakemake.log[0])
from emergence import tasks, toy

runtime.begin_work()

p = snakemake.params
out_dir = os.path.dirname(snakemake.output.yaml)
if p.task["source"] == "toy":
    info = tasks.generate(p.task, toy.CorpusConfig(**p.corpus), out_dir, p.templates, p.seed)
else:
    info = tasks.import_files(p.task, out_dir, p.templates)
log.info(f"{info}")
