"""Rule report_tables: Table 2, Table 3 and the predictions as HTML, failures in red."""
import pandas as pd

from emergence import runtime

runtime.setup(snakemake.log[0])
from emergence import figures, io
runtime.begin_work()

captions = {"holdout": "Table 2: hold-out ablation", "uncertainty": "Table 3: uncertainty",
            "predictions": "Prediction vs ground truth"}
for key, caption in captions.items():
    io.write_text(figures.table_html(pd.read_csv(snakemake.input[key]), caption=caption), snakemake.output[key])
