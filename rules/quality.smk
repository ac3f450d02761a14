# Stage 11 (case study, paper 7.1): this run's series against another run's, pretrained on a
# corpus of different quality (emergence.quality). The baseline run's results are read, not
# built: run its config first (the script says so in one line when they are missing); a
# refit there reruns this study.


rule quality:
    input:
        fit=LAYOUT.fit(QUALITY["task"]) if QUALITY else [],
        checkpoints=LAYOUT.checkpoints(),
        observations=LAYOUT.observations(),
        other_run=QUALITY_INPUTS,
    output:
        figure=report(
            LAYOUT.figure(QUALITY["task"] if QUALITY else "none", "quality"),
            caption="../report/quality.rst",
            category="6 Data quality (case study)",
        ),
        md=LAYOUT.table("quality", "md"),
        html=report(
            LAYOUT.table("quality", "html"),
            caption="../report/quality_verdict.rst",
            category="6 Data quality (case study)",
        ),
        json=LAYOUT.table("quality", "json"),
    log:
        LAYOUT.log("quality"),
    benchmark:
        LAYOUT.benchmark("quality")
    conda:
        "../envs/figures.yaml"
    params:
        quality=QUALITY,
        name=config["name"],
        baseline=QUALITY_BASELINE,
        size=QUALITY_SIZE,
        chance=QUALITY_CHANCE,
    script:
        "../scripts/quality.py"
