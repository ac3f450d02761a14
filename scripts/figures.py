"""Rule figures: every paper figure of one task, from the tables and fits alone."""
import json

import pandas as pd

from emergence import runtime

log = runtime.setup(snakemake.log[0])
from emergence import figures
runtime.begin_work()

p, i, o = snakemake.params, snakemake.input, snakemake.output
task, chance = p.task["name"], p.task.get("chance")
obs, ck = pd.read_csv(i.observations), pd.read_csv(i.checkpoints)
fit = json.load(open(i.fit))
holdout, form, d0 = (pd.read_csv(f) for f in (i.holdout, i.functional_form, i.d0_sweep))
title = f"{task} ({p.name})"
drawn = {
    "fig3": figures.fig3(obs, fit, task, chance, title=title),
    "fig4": figures.fig4(obs, fit, task, chance, title=title),
    "fig5": figures.fig5(fit, obs, task, chance=chance, title=title),
    "fig6": figures.fig6(form[form.task == task], d0[d0.task == task], title=title),
    "fig7": figures.fig7(holdout, fit, ck, task, title=title, observations=obs),
    "fig10": figures.fig10(ck, fit, title=title),
    "fig11": figures.fig11(obs, task, p.kinds, fit=fit, chance=chance, title=title),
    "fig12": figures.fig12(obs, task, chance=chance, fit=fit, title=title),
    "fig13": figures.fig13(obs, task, fit=fit, chance=chance, title=title),
    "scorecard": figures.fig_scorecard(holdout, task, title=title),
}
for k, (name, fig) in enumerate(drawn.items()):
    # a figure without data still gets a file that says why, so the report stays complete
    figures.save(fig, o[name], o.pdfs[k], missing=figures.missing_reason(name, obs, fit, task))
    log.info(f"{name}: {'drawn' if fig is not None else 'placeholder'}")
