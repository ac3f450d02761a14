# Stage 9b: figures, drawn from the tables and fits alone (restyle without rerunning).


rule figures:
    input:
        observations=f"{OUT}/observations.csv",
        fit=f"{OUT}/fits/{{task}}.json",
    output:
        png=f"{OUT}/figures/fig3_{{task}}.png",
        pdf=f"{OUT}/figures/fig3_{{task}}.pdf",
    params:
        task=task_spec,
        name=config["name"],
    log:
        f"{OUT}/logs/figures/fig3_{{task}}.log",
    benchmark:
        f"{OUT}/benchmarks/figures/fig3_{{task}}.tsv"
    conda:
        "../envs/figures.yaml"
    script:
        "../scripts/figures.py"
