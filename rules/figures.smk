# Stage 9b: paper-style figures and report tables, drawn from the tables and fits alone
# (restyle and redraw with `make figures` without rerunning anything upstream).
FIGURES = ["fig3", "fig4", "fig5", "fig6", "fig7", "fig10", "fig12", "fig13"]


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
                category="Figures",
                subcategory="{task}",
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
    script:
        "../scripts/figures.py"


rule report_tables:
    input:
        holdout=LAYOUT.table("holdout_ablation"),
        uncertainty=LAYOUT.table("uncertainty"),
        predictions=LAYOUT.table("predictions"),
    output:
        holdout=report(LAYOUT.table("holdout_ablation", "html"), caption="../report/table2.rst", category="Tables"),
        uncertainty=report(LAYOUT.table("uncertainty", "html"), caption="../report/table3.rst", category="Tables"),
        predictions=report(LAYOUT.table("predictions", "html"), caption="../report/predictions.rst", category="Tables"),
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
            category="Metric chain",
            subcategory="{task}",
        ),
        mass=report(
            LAYOUT.figure("{task}", "metric_chain_mass"),
            caption="../report/metric_chain_mass.rst",
            category="Metric chain",
            subcategory="{task}",
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
            category="PassUntil",
            subcategory="{task}",
        ),
    log:
        LAYOUT.log("figures_passuntil", "{task}"),
    benchmark:
        LAYOUT.benchmark("figures_passuntil", "{task}")
    conda:
        "../envs/figures.yaml"
    script:
        "../scripts/figures_passuntil.py"
