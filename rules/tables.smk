# Stage 9a: tables from the observations and fits: predictions, Table 2 (hold-out
# ablation), Table 3 (uncertainty), functional-form and D0 ablations.


rule tables:
    input:
        observations=LAYOUT.observations(),
        fits=expand(LAYOUT.fit("{task}"), task=FT_TASKS),
    output:
        predictions=LAYOUT.table("predictions"),
        predictions_md=LAYOUT.table("predictions", "md"),
        holdout=LAYOUT.table("holdout_ablation"),
        holdout_md=LAYOUT.table("holdout_ablation", "md"),
        uncertainty=LAYOUT.table("uncertainty"),
        functional_form=LAYOUT.table("functional_form"),
        d0_sweep=LAYOUT.table("d0_sweep"),
        scorecard=LAYOUT.table("scorecard"),
        scorecard_md=LAYOUT.table("scorecard", "md"),
    log:
        LAYOUT.log("tables"),
    benchmark:
        LAYOUT.benchmark("tables")
    conda:
        "../envs/tables.yaml"
    params:
        tasks=[TASKS[t] for t in FT_TASKS],
        opts=config["fit"],
        method=PLAN.fit_method,
        seed=config["seed"],
    script:
        "../scripts/tables.py"
