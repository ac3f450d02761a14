# Stage 7: one tidy observations table (one row per result) for everything downstream.


rule collect:
    input:
        checkpoints=f"{OUT}/checkpoints.csv",
        evals=evaluate_tables,
    output:
        f"{OUT}/observations.csv",
    log:
        f"{OUT}/logs/collect.log",
    benchmark:
        f"{OUT}/benchmarks/collect.tsv"
    conda:
        "../envs/collect.yaml"
    script:
        "../scripts/collect.py"
