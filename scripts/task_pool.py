"""Rule task_pool: export an lm-eval task's finetuning split as context/target records."""
import json

from emergence import runtime

log = runtime.setup(snakemake.log[0])
from emergence import config, tasks
runtime.begin_work()

t = snakemake.params.task
records = tasks.lm_eval_pool(t["name"], t["finetune_split"], t["n_train_pool"], config.resolve(t["include_path"]) if t.get("include_path") else None,
                             snakemake.params.seed)
with open(snakemake.output[0], "w") as f:
    for r in records:
        f.write(json.dumps(r) + "\n")
log.info(f"{len(records)} finetuning examples from {t['name']}:{t['finetune_split']}")
