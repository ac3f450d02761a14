# Stage 9a: tables from the fits (prediction vs ground truth per task).


rule tables:
    input:
        fits=expand(f"{OUT}/fits/{{task}}.json", task=FT_TASKS),
    output:
        csv=f"{OUT}/tables/predictions.csv",
        md=f"{OUT}/tables/predictions.md",
    log:
        f"{OUT}/logs/tables.log",
    benchmark:
        f"{OUT}/benchmarks/tables.tsv"
    conda:
        "../envs/tables.yaml"
    script:
        "../scripts/tables.py"
