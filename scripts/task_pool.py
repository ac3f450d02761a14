"""Rule task_pool: export an lm-eval task's finetuning split as context/target records."""
import json
import tempfile

from emergence import runtime

log = runtime.setup(snakemake.log[0])
from emergence import io, tasks
runtime.begin_work()

t = snakemake.params.task
with tempfile.TemporaryDirectory() as tmp:  # holds the override YAML of a task with `dataset`
    records = tasks.lm_eval_pool(t["name"], t["finetune_split"], t["n_train_pool"], tasks.lm_eval_include(t, tmp) or None,
                                 snakemake.params.seed)
io.write_text("".join(json.dumps(r) + "\n" for r in records), snakemake.output[0])
log.info(f"{len(records)} finetuning examples from {t['name']}:{t['finetune_split']}")
