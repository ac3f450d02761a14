"""Rule card: a forecast card per fitted task (emergence.card) and their one-line summaries."""
import json

import pandas as pd

from emergence import runtime

log = runtime.setup(snakemake.log[0])
from emergence import card, horizon, io, tables
runtime.begin_work()

i, o = snakemake.input, snakemake.output
holdout, ck = pd.read_csv(i.holdout), pd.read_csv(i.checkpoints)
summary = tables.scorecard_summary(pd.read_csv(i.scorecard))
lines = []
for path, md, js, ht in zip(i.fits, o.md, o.json, o.html):
    fit = json.load(open(path))
    t = fit["task"]
    h = horizon.compute_horizon(holdout, fit, ck, task=t)
    c = card.build(fit, scorecard=summary[summary["task"] == t].to_dict("records"),
                   horizon=None if h is None else h.to_dict("records"), compute=horizon.flops_forecast(ck, fit))
    card.write(c, md, js, ht)
    lines.append(card.one_line(c))
    log.info(lines[-1])
io.write_text("\n".join(lines) + "\n", o.summary)
