"""Rule future: this run's forecast against a longer run of the same models (emergence.future)."""
import json

import pandas as pd

from emergence import runtime

log = runtime.setup(snakemake.log[0])
from emergence import figures, future, io, other_run
runtime.begin_work()

p, i, o = snakemake.params, snakemake.input, snakemake.output
task, longer = p.future["task"], p.future["longer"]
fit, ck = json.load(open(i.fit)), pd.read_csv(i.checkpoints)
field = f"future.longer {longer!r}"
longer_fit, longer_ck, longer_obs = other_run.read(p.longer, field, task=task, metric=fit["metric"])
other_run.same_models(ck, longer_ck, field)  # a longer run of these very models
c = future.check(fit, ck, longer_fit, longer_ck, p.size)
log.info(c["verdict"])
io.write_json(c, o.json)
io.write_text(future.to_markdown(c), o.md)
io.write_text(future.to_html(c), o.html)
fig = figures.fig_future(c, pd.read_csv(i.observations), longer_obs, task, fit["metric"],
                         chance=p.chance, title=f"{task}: forecast before emergence, checked against {longer}")
figures.save(fig, o.figure, None, missing="future: no few-shot rows of that size to draw")
