"""Rule figures_passuntil: task-level PassUntil against the axis, with the fitted law."""
import json

import pandas as pd

from emergence import runtime

runtime.setup(snakemake.log[0])
from emergence import figures
runtime.begin_work()

task = snakemake.wildcards.task
figures.save(figures.fig_passuntil(pd.read_csv(snakemake.input.table), json.load(open(snakemake.input.fit)),
                                   title=f"{task}: PassUntil"), snakemake.output[0], missing="no PassUntil runs")
