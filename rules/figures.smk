# Stage 9b: paper-style figures and report tables, drawn from the tables and fits alone
# (restyle and redraw with `make figures` without rerunning anything upstream).
FIGURES = ["fig3", "fig4", "fig5", "fig6", "fig7", "fig10", "fig11", "fig12", "fig13", "scorecard"]
# report categories in the paper's order (Snakemake sorts categories by name)
FIGURE_TITLES = {
    "fig3": "2.1 Fig. 3: few-shot and finetuned accuracy against loss",
    "fig4": "2.2 Fig. 4: the emergence-law fit",
    "fig5": "2.3 Fig. 5: uncertainty of the emergence point",
    "fig6": "2.4 Fig. 6: functional form and D0",
    "fig7": "2.5 Fig. 7: how far ahead",
    "fig10": "2.6 Fig. 10: emergence in model size",
    "fig11": "2.7 Fig. 11: prefix tuning and the number of shots",
    "fig12": "2.8 Fig. 12: finetuning recipes",
    "fig13": "2.9 Fig. 13: a continuous metric",
    "scorecard": "3.3 Scorecard: the law and its baselines",  # figure beside its table
}


rule figures:
    input:
        observations=LAYOUT.observations(),
        checkpoints=LAYOUT.checkpoints(),
        fit=LAYOUT.fit("{task}"),
        holdout=LAYOUT.table("holdout_ablation"),
        functional_form=LAYOUT.table("functional_form"),
        d0_sweep=LAYOUT.table("d0_sweep"),
    output:
        **{
            f: report(
                LAYOUT.figure("{task}", f),
                caption=f"../report/{f}.rst",
                category=FIGURE_TITLES[f],
                labels={"task": "{task}"},
            )
            for f in FIGURES
        },
        pdfs=expand(LAYOUT.figure("{{task}}", "{fig}", "pdf"), fig=FIGURES),
    log:
        LAYOUT.log("figures", "{task}"),
    benchmark:
        LAYOUT.benchmark("figures", "{task}")
    conda:
        "../envs/figures.yaml"
    params:
        task=task_spec,
        name=config["name"],
        kinds=RECIPE_KINDS,
    script:
        "../scripts/figures.py"


rule report_tables:
    input:
        holdout=LAYOUT.table("holdout_ablation"),
        uncertainty=LAYOUT.table("uncertainty"),
        predictions=LAYOUT.table("predictions"),
        scorecard=LAYOUT.table("scorecard"),
        functional_form=LAYOUT.table("functional_form"),
        d0_sweep=LAYOUT.table("d0_sweep"),
    output:
        predictions=report(
            LAYOUT.table("predictions", "html"),
            caption="../report/predictions.rst",
            category="3.1 Predictions",
        ),
        holdout=report(
            LAYOUT.table("holdout_ablation", "html"),
            caption="../report/table2.rst",
            category="3.2 Table 2: hold-out ablation",
        ),
        scorecard=report(
            LAYOUT.table("scorecard", "html"),
            caption="../report/scorecard.rst",
            category="3.3 Scorecard: the law and its baselines",
            labels={"task": "all tasks"},
        ),
        uncertainty=report(
            LAYOUT.table("uncertainty", "html"),
            caption="../report/table3.rst",
            category="3.4 Table 3: uncertainty",
        ),
        functional_form=report(
            LAYOUT.table("functional_form", "html"),
            caption="../report/fig6.rst",
            category="3.5 Fig. 6 tables: functional form and D0",
            labels={"table": "functional form"},
        ),
        d0_sweep=report(
            LAYOUT.table("d0_sweep", "html"),
            caption="../report/fig6.rst",
            category="3.5 Fig. 6 tables: functional form and D0",
            labels={"table": "D0 sweep"},
        ),
    log:
        LAYOUT.log("report_tables"),
    localrule: True
    conda:
        "../envs/figures.yaml"
    script:
        "../scripts/report_tables.py"


rule all_figures:
    input:
        expand(LAYOUT.figure("{task}", "{fig}"), task=FT_TASKS, fig=FIGURES),
        rules.report_tables.output if FT_TASKS else [],
        expand(LAYOUT.figure("{task}", "metric_chain"), task=MC_TASKS),
        [LAYOUT.figure(PU["task"], "passuntil")] if PU else [],
    localrule: True


rule figures_metric_chain:
    input:
        samples=LAYOUT.table("metric_chain_{task}", "csv.gz"),
        correlations=LAYOUT.table("metric_chain_correlations_{task}"),
    output:
        correlations=report(
            LAYOUT.figure("{task}", "metric_chain"),
            caption="../report/metric_chain.rst",
            category="4 Metric chain (Schaeffer et al.)",
            labels={"task": "{task}", "figure": "correlations"},
        ),
        mass=report(
            LAYOUT.figure("{task}", "metric_chain_mass"),
            caption="../report/metric_chain_mass.rst",
            category="4 Metric chain (Schaeffer et al.)",
            labels={"task": "{task}", "figure": "mass on correct vs incorrect"},
        ),
    log:
        LAYOUT.log("figures_metric_chain", "{task}"),
    benchmark:
        LAYOUT.benchmark("figures_metric_chain", "{task}")
    conda:
        "../envs/figures.yaml"
    script:
        "../scripts/figures_metric_chain.py"


rule figures_passuntil:
    input:
        table=LAYOUT.table("passuntil_{task}"),
        fit=LAYOUT.passuntil_fit("{task}"),
    output:
        report(
            LAYOUT.figure("{task}", "passuntil"),
            caption="../report/passuntil.rst",
            category="5 PassUntil (Hu et al.)",
            labels={"task": "{task}"},
        ),
    log:
        LAYOUT.log("figures_passuntil", "{task}"),
    benchmark:
        LAYOUT.benchmark("figures_passuntil", "{task}")
    conda:
        "../envs/figures.yaml"
    script:
        "../scripts/figures_passuntil.py"
