"""Rule tables: prediction vs ground truth per task (CSV and Markdown)."""
import json

import pandas as pd

from emergence import runtime

runtime.setup(snakemake.log[0])
from emergence import report

fits = [json.load(open(f)) for f in snakemake.input.fits]
df = report.predictions_table(fits)
runtime.atomic_write_csv(df, snakemake.output.csv)
with open(snakemake.output.md, "w") as f:
    f.write(report.markdown(df))
