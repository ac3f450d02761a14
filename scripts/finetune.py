"""Rule finetune: every (task, method, D, draw) of the grid on each checkpoint of the job."""
import json
import os

from emergence import runtime

log = runtime.setup(snakemake.log[0], snakemake.threads)
from emergence import config, finetune, layout, models, prompt, recipe, subsets, tasks

runtime.preload(lm_eval=False)
runtime.begin_work()
p = snakemake.params
device = models.pick_device(p.device)
# a machine fact: the profile sets it (set-resources: finetune: micro_batch: N) where a recipe's
# batch does not fit in memory; the recipe's effective batch is unchanged
micro_batch = getattr(snakemake.resources, "micro_batch", None)
# inputs come in the order of params.ft_tasks (see finetune_inputs in rules/common.smk)
pools = {t: tasks.read_jsonl(f) for t, f in zip(p.ft_tasks, snakemake.input.pools)}
draws = {t: json.load(open(f))["subsets"] for t, f in zip(p.ft_tasks, snakemake.input.subsets)}
fmts = {t: prompt.for_task(p.tasks[t], config.REPO) for t in p.ft_tasks}  # the task's own k-shot format
progress = runtime.Progress(len(p.ckpts) * len(p.runs), log, "finetunes")
for c in p.ckpts:
    for r in p.runs:
        t, m, d, s = r["task"], r["method"], r["data_amount"], r["subset_sample"]
        subset = [pools[t][i] for i in draws[t][str(d)][str(s)]]
        rcp = recipe.Recipe.from_config(p.methods[m], f"finetune.methods.{m}")
        out = os.path.join(snakemake.output[0], c["ckpt"], layout.run_dir(t, m, d, s))
        info = finetune.finetune(c["path"], subset, out, rcp, p.tasks[t]["num_fewshot"], subsets.stable_seed(p.seed, t, m, d, s),
                                 revision=c["revision"], device=device, log=log.info,
                                 trust_remote_code=c["trust_remote_code"], tokenizer_use_fast=c["tokenizer_use_fast"],
                                 fmt=fmts[t], micro_batch=micro_batch)
        progress.step(f"{c['ckpt']} {t} {m} D={d} s={s}: {info['steps']} steps, loss {info['final_loss']:.3f}")
