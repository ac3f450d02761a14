"""Rule report_tables: every fit table as HTML for the report (pandas Styler), failures in red."""
import pandas as pd

from emergence import runtime

runtime.setup(snakemake.log[0])
from emergence import figures, io, tables
runtime.begin_work()

# (caption, columns shown; None = all). Table 2 keeps its essentials so it fits a page: the
# CSV next to it has every column.
REPORT_TABLES = {
    "predictions": ("Prediction vs ground truth", None),
    "holdout": ("Table 2: hold-out ablation", ["task", "ablation", "n_ckpts", "emergence_point_mle", "ground_truth",
                                              "error_nats", "mcmc_p5", "mcmc_p95", "trivial_error", "status"]),
    "scorecard": ("Scorecard: error of each forecast on every Table 2 row", None),
    "uncertainty": ("Table 3: MCMC, bootstrap and profile views of E(D0)", None),
    "functional_form": ("Fig. 6 (a): functional form of E(D)", None),
    "d0_sweep": ("Fig. 6 (b): choice of D0", None),
}
for key, (caption, columns) in REPORT_TABLES.items():
    df = pd.read_csv(snakemake.input[key])
    if key == "scorecard":
        df = tables.scorecard_wide(df)
    io.write_text(figures.table_html(df, caption=caption, columns=columns), snakemake.output[key])
