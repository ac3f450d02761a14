# Stage 6: lm-eval (Python API) on one checkpoint, or on the checkpoints of one step window
# (evaluate.step_window): few-shot on every task and each finetuned model, keeping lm-eval's
# results and per-sample logs for every run under evaluate/<job>/<ckpt>/.


rule evaluate:
    input:
        unpack(evaluate_inputs),
    output:
        runs=directory(LAYOUT.evaluate_job("{job}")),
        table=LAYOUT.evaluate_table("{job}"),
    log:
        LAYOUT.log("evaluate", "{job}"),
    benchmark:
        LAYOUT.benchmark("evaluate", "{job}")
    conda:
        "../envs/evaluate.yaml"
    resources:
        **size_scaled_resources("evaluate"),
    params:
        ckpts=eval_ckpts,
        tasks=TASKS,
        methods=PLAN.recipes,
        include_path=LAYOUT.tasks_dir(),
        opts=config["evaluate"],
    script:
        "../scripts/evaluate.py"
