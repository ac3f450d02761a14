# Stage 12 (case study, paper 7.2): this run's forecast, made before any checkpoint emerged,
# against a run that trained the same models for longer (emergence.future). The longer run's
# results are read, not built: run its config first (the script says so when they are
# missing); a refit there reruns this study.


rule future:
    input:
        fit=LAYOUT.fit(FUTURE["task"]) if FUTURE else [],
        checkpoints=LAYOUT.checkpoints(),
        observations=LAYOUT.observations(),
        other_run=FUTURE_INPUTS,
    output:
        figure=report(
            LAYOUT.figure(FUTURE["task"] if FUTURE else "none", "future"),
            caption="../report/future.rst",
            category="7 Not yet emerged (case study)",
        ),
        md=LAYOUT.table("future", "md"),
        html=report(
            LAYOUT.table("future", "html"),
            caption="../report/future_verdict.rst",
            category="7 Not yet emerged (case study)",
        ),
        json=LAYOUT.table("future", "json"),
    log:
        LAYOUT.log("future"),
    benchmark:
        LAYOUT.benchmark("future")
    conda:
        "../envs/figures.yaml"
    params:
        future=FUTURE,
        longer=FUTURE_LONGER,
        size=FUTURE_SIZE,
        chance=FUTURE_CHANCE,
    script:
        "../scripts/future.py"
