# Stage 10: a forecast card per fitted task (emergence.card): prediction, intervals, baselines,
# scorecard, horizon, the next run to buy and a verdict; `make run` prints their summaries.


rule card:
    input:
        fits=expand(LAYOUT.fit("{task}"), task=FT_TASKS),
        holdout=LAYOUT.table("holdout_ablation"),
        scorecard=LAYOUT.table("scorecard"),
        checkpoints=LAYOUT.checkpoints(),
    output:
        md=expand(LAYOUT.card("{task}", "md"), task=FT_TASKS),
        json=expand(LAYOUT.card("{task}", "json"), task=FT_TASKS),
        html=[
            report(
                LAYOUT.card(t, "html"),
                caption="../report/card.rst",
                category="1 Forecast cards",
                labels={"task": t},
            )
            for t in FT_TASKS
        ],
        summary=LAYOUT.cards_summary(),
    log:
        LAYOUT.log("card"),
    benchmark:
        LAYOUT.benchmark("card")
    conda:
        "../envs/fit.yaml"
    script:
        "../scripts/card.py"
