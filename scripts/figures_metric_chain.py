"""Rule figures_metric_chain: per-sample correlations per metric; correct vs incorrect mass."""
import pandas as pd

from emergence import runtime

runtime.setup(snakemake.log[0])
from emergence import figures
runtime.begin_work()

i, o, task = snakemake.input, snakemake.output, snakemake.wildcards.task
figures.save(figures.fig_chain_correlations(pd.read_csv(i.correlations), title=f"{task}: metric chain"),
             o.correlations, missing="no per-sample correlations")
figures.save(figures.fig_chain_mass(pd.read_csv(i.samples), title=f"{task}: probability mass"), o.mass,
             missing="no metric-chain samples")
