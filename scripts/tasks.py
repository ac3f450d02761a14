"""Rule tasks: generate one toy task's data splits and its lm-eval YAML."""
import os

from emergence import runtime

log = runtime.setup(snakemake.log[0])
from emergence import tasks, toy

p = snakemake.params
info = tasks.generate(p.task, toy.CorpusConfig(**p.corpus), os.path.dirname(snakemake.output.yaml),
                      p.templates, p.seed)
log.info(f"generated {info}")
