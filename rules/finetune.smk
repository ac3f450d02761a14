# Stage 5: finetune each grid checkpoint on every (task, method, D, draw) of the grid. One job
# per checkpoint, or per step window (finetune.step_window): imports load once for all of its
# runs. A checkpoint's runs land in finetune/<job>/<ckpt>/<task>/<method>/D<D>_s<k>/.
# Finetuning, then evaluating its models, is the workflow's longest chain: given a free core,
# a finetune job goes before any job that nothing downstream waits on as long.


rule finetune:
    input:
        unpack(finetune_inputs),
    output:
        directory(LAYOUT.finetune_job("{job}")),
    log:
        LAYOUT.log("finetune", "{job}"),
    benchmark:
        LAYOUT.benchmark("finetune", "{job}")
    priority: 10
    conda:
        "../envs/finetune.yaml"
    resources:
        **size_scaled_resources("finetune"),
    params:
        ckpts=finetune_ckpts,
        runs=config_finetune_runs,
        methods=PLAN.recipes,
        tasks=TASKS,
        ft_tasks=FT_TASKS,
        seed=config["seed"],
        device=config["evaluate"]["device"],
    script:
        "../scripts/finetune.py"
