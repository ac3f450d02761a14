# Stage 9a: tables from the observations and fits: predictions, Table 2 (hold-out
# ablation), Table 3 (uncertainty), functional-form and D0 ablations.


rule tables:
    input:
        observations=f"{OUT}/observations.csv",
        fits=expand(f"{OUT}/fits/{{task}}.json", task=FT_TASKS),
    output:
        predictions=f"{OUT}/tables/predictions.csv",
        predictions_md=f"{OUT}/tables/predictions.md",
        holdout=f"{OUT}/tables/holdout_ablation.csv",
        holdout_md=f"{OUT}/tables/holdout_ablation.md",
        uncertainty=f"{OUT}/tables/uncertainty.csv",
        functional_form=f"{OUT}/tables/functional_form.csv",
        d0_sweep=f"{OUT}/tables/d0_sweep.csv",
    log:
        f"{OUT}/logs/tables.log",
    benchmark:
        f"{OUT}/benchmarks/tables.tsv"
    conda:
        "../envs/tables.yaml"
    params:
        tasks=[TASKS[t] for t in FT_TASKS],
        opts=config["fit"],
        method=PLAN.fit_method,
        seed=config["seed"],
    script:
        "../scripts/tables.py"
