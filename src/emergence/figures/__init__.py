"""Paper-style figures (Snell et al. 2024) from the workflow's tables and fit JSONs alone.

No model is ever loaded: every figure is drawn from observations.csv, checkpoints.csv,
fits/<task>.json and the tables of emergence.tables, so figures can be restyled without
rerunning anything. Each figure function returns a matplotlib Figure, or None when the data
it needs are absent (``save`` then writes a labelled placeholder so workflow outputs exist).

    fig3   few-shot vs finetuned metric against pretraining loss, per size and D
    fig4   the MLE emergence-law fit: fitted ReLU per D, extrapolated few-shot ReLU, law E(D)
           beside each D's own free-slope elbow (where its rows pin one)
    fig5   CDF of the predicted emergence point (MCMC / bootstrap), few-shot data overlaid
    fig6   functional-form and D0 ablations (MLE error bars, 5th-95th percentile whiskers)
    fig7   how much compute ahead the prediction is (Table 2 "-k Last Checkpoints" rows)
    fig10  loss-vs-parameters law L(N) and the predicted emergence point in parameters
    fig11  what moves emergence: prefix tuning vs finetuning at one D, 0- vs k-shot prompting
    fig12  finetuning recipes (LoRA ranks vs full) at the same D
    fig13  continuous metric (logprob_norm) next to accuracy
    fig_scorecard  the law beside simpler forecasts (emergence.baselines) on every Table 2 row
    fig_quality  two series of different data quality: predicted vs observed emergence in FLOPs
    fig_future  a forecast made before emergence against a longer run (Fig. 18)
    table_html  Table 2 / 3 as HTML, failed rows in red
    fig_chain_correlations, fig_chain_mass, fig_passuntil  the neighbouring lenses

Modules: style (palettes, axes, legends, the rows a figure draws), paper (3, 4, 5, 6, 12,
13), ahead (7, 10; their statistics live in emergence.horizon), shift (11), lenses, output (save,
placeholder, HTML tables). Figures only draw: rows come through emergence.observations and
numbers through emergence.horizon and the fit JSON.

Conventions shared by every figure: pretraining loss axes are inverted (more capable models
to the right, as in the paper); one colour per finetuning data amount D (``d_palette``), one
marker per model size (``size_markers``); few-shot results in black; predicted emergence
dashed red, true emergence dash-dotted black; chance level dotted grey.
"""
from emergence.figures.ahead import fig7, fig10, fig_scorecard
from emergence.figures.lenses import fig_chain_correlations, fig_chain_mass, fig_passuntil
from emergence.figures.output import missing_reason, placeholder, save, table_html
from emergence.figures.paper import fig3, fig4, fig5, fig6, fig12, fig13
from emergence.figures.future import fig_future
from emergence.figures.quality import fig_quality
from emergence.figures.shift import fig11
from emergence.figures.style import STYLE, d_palette, size_markers
from emergence.horizon import (compute_horizon, final_checkpoints, fit_loss_vs_params, loss_of_params,
                               params_of_loss)

__all__ = ["missing_reason", "fig3", "fig4", "fig5", "fig6", "fig7", "fig10", "fig11", "fig12", "fig13", "fig_scorecard",
           "fig_quality", "fig_future", "fig_chain_correlations",
           "fig_chain_mass", "fig_passuntil", "placeholder", "save", "table_html", "STYLE", "d_palette",
           "size_markers", "compute_horizon", "final_checkpoints", "fit_loss_vs_params", "loss_of_params",
           "params_of_loss"]
