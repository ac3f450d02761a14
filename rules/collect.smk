# Stage 7: one tidy observations table (one row per result) for everything downstream.


rule collect:
    input:
        unpack(collect_inputs),
    output:
        LAYOUT.observations(),
    log:
        LAYOUT.log("collect"),
    benchmark:
        LAYOUT.benchmark("collect")
    conda:
        "../envs/collect.yaml"
    params:
        passuntil_task=PU["task"] if PU else None,
        num_fewshot=TASKS[PU["task"]]["num_fewshot"] if PU else None,
    script:
        "../scripts/collect.py"
