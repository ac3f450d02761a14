# The metric chain (Schaeffer et al. 2024): from the evaluation jobs' per-sample
# log-likelihoods, log p(correct) -> p(correct) -> p over choices -> accuracy / Brier, and
# how well each correlates with compute across a series' checkpoints, per sample.


rule metric_chain:
    input:
        checkpoints=LAYOUT.checkpoints(),
        evals=evaluate_tables,
    output:
        samples=LAYOUT.table("metric_chain_{task}", "csv.gz"),
        correlations=LAYOUT.table("metric_chain_correlations_{task}"),
        summary=LAYOUT.table("metric_chain_summary_{task}"),
    log:
        LAYOUT.log("metric_chain", "{task}"),
    benchmark:
        LAYOUT.benchmark("metric_chain", "{task}")
    conda:
        "../envs/fit.yaml"
    params:
        eval_dirs=eval_dirs,
    script:
        "../scripts/metric_chain.py"
