"""Rule figures: the Fig. 3 analogue of one task, from the observations table and its fit."""
import json

import pandas as pd

from emergence import runtime

runtime.setup(snakemake.log[0])
from emergence import figures

p = snakemake.params
fig = figures.fig3(pd.read_csv(snakemake.input.observations), json.load(open(snakemake.input.fit)),
                   p.task["name"], p.task.get("chance"), title=f"{p.task['name']} ({p.name})")
figures.save(fig, snakemake.output.png, snakemake.output.pdf)
