# emergence-suite: predicting emergent capabilities by finetuning (Snell et al. 2024).
# This file only wires: version, config + validation, rule files, the default target.
from snakemake.utils import min_version

min_version("9.0")


# --configfile replaces the default config instead of being merged into it
if not config:

    configfile: "config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/toy.smk"
include: "rules/pretrain_loss.smk"
include: "rules/tasks.smk"
include: "rules/subsets.smk"
include: "rules/finetune.smk"
include: "rules/evaluate.smk"
include: "rules/collect.smk"
include: "rules/fit.smk"
include: "rules/tables.smk"
include: "rules/card.smk"
include: "rules/metric_chain.smk"
include: "rules/passuntil.smk"
include: "rules/figures.smk"
include: "rules/quality.smk"
include: "rules/future.smk"


onstart:
    gc.set_threshold(*GC_DEFAULT)
    cfg.claim_results(OUT, workflow.configfiles)


rule all:
    default_target: True
    input:
        final_outputs(),
