"""Rule quality: this run's series against the baseline run's (emergence.quality), Figs. 8-9."""
import json

import pandas as pd

from emergence import runtime

log = runtime.setup(snakemake.log[0])
from emergence import figures, io, other_run, quality
runtime.begin_work()

p, i, o = snakemake.params, snakemake.input, snakemake.output
task, base = p.quality["task"], p.quality["baseline"]
own_fit = json.load(open(i.fit))
base_fit, base_ck, base_obs = other_run.read(p.baseline, f"quality.baseline {base!r}", task=task,
                                             metric=own_fit["metric"])
fits = {p.name: own_fit, base: base_fit}
cks = {p.name: pd.read_csv(i.checkpoints), base: base_ck}
obs = {p.name: pd.read_csv(i.observations), base: base_obs}
result = quality.compare([quality.one_run(n, fits[n], cks[n], p.size) for n in (base, p.name)])
log.info(result["verdict"])
io.write_json(result, o.json)
io.write_text(quality.to_markdown(result, p.size), o.md)
io.write_text(quality.to_html(result, p.size), o.html)
fig = figures.fig_quality(result, obs, task, p.size, fits[p.name]["metric"], chance=p.chance,
                          title=f"{task}: {base} vs {p.name} (data quality)")
figures.save(fig, o.figure, None, missing="quality: no few-shot rows to draw")
