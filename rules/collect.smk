# Stage 7: one tidy observations table (one row per result) for everything downstream.


rule collect:
    input:
        checkpoints=LAYOUT.checkpoints(),
        evals=evaluate_tables,
    output:
        LAYOUT.observations(),
    log:
        f"{OUT}/logs/collect.log",
    benchmark:
        f"{OUT}/benchmarks/collect.tsv"
    conda:
        "../envs/collect.yaml"
    script:
        "../scripts/collect.py"
