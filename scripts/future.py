"""Rule future: this run's forecast against a longer run of the same models (emergence.future)."""
import json
import os

import pandas as pd

from emergence import runtime

log = runtime.setup(snakemake.log[0])
from emergence import figures, future, io
runtime.begin_work()

p, i, o = snakemake.params, snakemake.input, snakemake.output
task, longer = p.future["task"], p.future["longer"]
missing = [f for f in p.longer.values() if not os.path.exists(f)]
if missing:
    raise SystemExit(f"error: future.longer {longer!r}: {missing[0]} not found; run that config first "
                     f"(make run CONFIG=<its config>)")
fit = json.load(open(i.fit))
c = future.check(fit, pd.read_csv(i.checkpoints), json.load(open(p.longer["fit"])),
                 pd.read_csv(p.longer["checkpoints"]), p.size)
log.info(c["verdict"])
io.write_json(c, o.json)
io.write_text(future.to_markdown(c), o.md)
fig = figures.fig_future(c, pd.read_csv(i.observations), pd.read_csv(p.longer["observations"]), task, fit["metric"],
                         chance=p.chance, title=f"{task}: forecast before emergence, checked against {longer}")
figures.save(fig, o.figure, None, missing="future: no few-shot rows of that size to draw")
