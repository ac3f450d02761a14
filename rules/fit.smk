# Stage 8: the emergence-law fit per task, from the observations table alone.


rule fit:
    input:
        LAYOUT.observations(),
    output:
        LAYOUT.fit("{task}"),
    log:
        LAYOUT.log("fit", "{task}"),
    benchmark:
        LAYOUT.benchmark("fit", "{task}")
    conda:
        "../envs/fit.yaml"
    threads: fit_threads
    params:
        task=task_spec,
        opts=config["fit"],
        seed=config["seed"],
        method=PLAN.fit_method,
    script:
        "../scripts/fit.py"
