"""Rule quality: this run's series against the baseline run's (emergence.quality), Figs. 8-9."""
import json
import os

import pandas as pd

from emergence import runtime

log = runtime.setup(snakemake.log[0])
from emergence import figures, io, quality
runtime.begin_work()

p, i, o = snakemake.params, snakemake.input, snakemake.output
task, base = p.quality["task"], p.quality["baseline"]
missing = [f for f in p.baseline.values() if not os.path.exists(f)]
if missing:
    raise SystemExit(f"error: quality.baseline {base!r}: {missing[0]} not found; run that config first "
                     f"(make run CONFIG=<its config>)")
fits = {p.name: json.load(open(i.fit)), base: json.load(open(p.baseline["fit"]))}
cks = {p.name: pd.read_csv(i.checkpoints), base: pd.read_csv(p.baseline["checkpoints"])}
obs = {p.name: pd.read_csv(i.observations), base: pd.read_csv(p.baseline["observations"])}
result = quality.compare([quality.one_run(n, fits[n], cks[n], p.size) for n in (base, p.name)])
log.info(result["verdict"])
io.write_json(result, o.json)
io.write_text(quality.to_markdown(result, p.size), o.md)
fig = figures.fig_quality(result, obs, task, p.size, fits[p.name]["metric"], chance=p.chance,
                          title=f"{task}: {base} vs {p.name} (data quality)")
figures.save(fig, o.figure, None, missing="quality: no few-shot rows to draw")
