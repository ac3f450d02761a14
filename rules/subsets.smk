# Stage 4: nested random subsets of each task's finetuning pool, per D and draw.
# Tiny, but the finetune jobs (the longest chain) wait on them: priority as finetune.


rule subsets:
    input:
        pool=subsets_pool,
    output:
        LAYOUT.subsets("{task}"),
    log:
        LAYOUT.log("subsets", "{task}"),
    benchmark:
        LAYOUT.benchmark("subsets", "{task}")
    priority: 10
    conda:
        "../envs/subsets.yaml"
    params:
        data_amounts=FT["data_amounts"] if FT else [],
        samples=FT["subset_samples"] if FT else 0,
        seed=config["seed"],
    script:
        "../scripts/subsets.py"
