# Stage 9b: paper-style figures and report tables, drawn from the tables and fits alone
# (restyle and redraw with `make figures` without rerunning anything upstream).
FIGURES = ["fig3", "fig4", "fig5", "fig6", "fig7", "fig10", "fig12", "fig13"]


rule figures:
    input:
        observations=f"{OUT}/observations.csv",
        checkpoints=f"{OUT}/checkpoints.csv",
        fit=f"{OUT}/fits/{{task}}.json",
        holdout=f"{OUT}/tables/holdout_ablation.csv",
        functional_form=f"{OUT}/tables/functional_form.csv",
        d0_sweep=f"{OUT}/tables/d0_sweep.csv",
    output:
        **{
            f: report(
                f"{OUT}/figures/{{task}}/{f}.png",
                caption=f"../report/{f}.rst",
                category="Figures",
                subcategory="{task}",
            )
            for f in FIGURES
        },
        pdfs=expand(f"{OUT}/figures/{{{{task}}}}/{{fig}}.pdf", fig=FIGURES),
    log:
        f"{OUT}/logs/figures/{{task}}.log",
    benchmark:
        f"{OUT}/benchmarks/figures/{{task}}.tsv"
    conda:
        "../envs/figures.yaml"
    params:
        task=task_spec,
        name=config["name"],
    script:
        "../scripts/figures.py"


rule report_tables:
    input:
        holdout=f"{OUT}/tables/holdout_ablation.csv",
        uncertainty=f"{OUT}/tables/uncertainty.csv",
        predictions=f"{OUT}/tables/predictions.csv",
    output:
        holdout=report(f"{OUT}/tables/holdout_ablation.html", caption="../report/table2.rst", category="Tables"),
        uncertainty=report(f"{OUT}/tables/uncertainty.html", caption="../report/table3.rst", category="Tables"),
        predictions=report(f"{OUT}/tables/predictions.html", caption="../report/predictions.rst", category="Tables"),
    log:
        f"{OUT}/logs/report_tables.log",
    localrule: True
    conda:
        "../envs/figures.yaml"
    script:
        "../scripts/report_tables.py"


rule all_figures:
    input:
        expand(f"{OUT}/figures/{{task}}/{{fig}}.png", task=FT_TASKS, fig=FIGURES),
        rules.report_tables.output if FT_TASKS else [],
        expand(f"{OUT}/figures/{{task}}/metric_chain.png", task=MC_TASKS),
        [f"{OUT}/figures/{PU['task']}/passuntil.png"] if PU else [],
    localrule: True


rule figures_metric_chain:
    input:
        samples=f"{OUT}/tables/metric_chain_{{task}}.csv.gz",
        correlations=f"{OUT}/tables/metric_chain_correlations_{{task}}.csv",
    output:
        correlations=report(
            f"{OUT}/figures/{{task}}/metric_chain.png",
            caption="../report/metric_chain.rst",
            category="Metric chain",
            subcategory="{task}",
        ),
        mass=report(
            f"{OUT}/figures/{{task}}/metric_chain_mass.png",
            caption="../report/metric_chain_mass.rst",
            category="Metric chain",
            subcategory="{task}",
        ),
    log:
        f"{OUT}/logs/figures_metric_chain/{{task}}.log",
    benchmark:
        f"{OUT}/benchmarks/figures_metric_chain/{{task}}.tsv"
    conda:
        "../envs/figures.yaml"
    script:
        "../scripts/figures_metric_chain.py"


rule figures_passuntil:
    input:
        table=f"{OUT}/tables/passuntil_{{task}}.csv",
        fit=f"{OUT}/passuntil/fit_{{task}}.json",
    output:
        report(
            f"{OUT}/figures/{{task}}/passuntil.png",
            caption="../report/passuntil.rst",
            category="PassUntil",
            subcategory="{task}",
        ),
    log:
        f"{OUT}/logs/figures_passuntil/{{task}}.log",
    benchmark:
        f"{OUT}/benchmarks/figures_passuntil/{{task}}.tsv"
    conda:
        "../envs/figures.yaml"
    script:
        "../scripts/figures_passuntil.py"
