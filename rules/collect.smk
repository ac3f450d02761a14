# Stage 7: one tidy observations table (one row per result) for everything downstream.


rule collect:
    input:
        checkpoints=LAYOUT.checkpoints(),
        evals=evaluate_tables,
    output:
        LAYOUT.observations(),
    log:
        LAYOUT.log("collect"),
    benchmark:
        LAYOUT.benchmark("collect")
    conda:
        "../envs/collect.yaml"
    script:
        "../scripts/collect.py"
