# PassUntil (Hu et al. 2024): sample each instance of a generation task until r passes (or
# k_max samples), then fit PU(N) = exp(-c N^-alpha) across checkpoints. One sampling job per
# checkpoint, or per step window (passuntil.step_window). The observations (and so every fit)
# wait on it: a long sampling job started after the finetune stream runs alone at the end (a
# band run: 255 s with one core idle), so it goes first.


rule passuntil:
    input:
        unpack(passuntil_inputs),
    output:
        LAYOUT.passuntil_runs("{job}"),
    log:
        LAYOUT.log("passuntil", "{job}"),
    benchmark:
        LAYOUT.benchmark("passuntil", "{job}")
    priority: 20
    conda:
        "../envs/evaluate.yaml"
    resources:
        **size_scaled_resources("passuntil"),
    params:
        ckpts=passuntil_ckpts,
        opts=PU,
        task=TASKS[PU["task"]] if PU else None,
        include_path=LAYOUT.tasks_dir(),
        seed=config["seed"],
        device=config["evaluate"]["device"],
        batch_size=config["evaluate"]["batch_size"],
    script:
        "../scripts/passuntil.py"


rule passuntil_fit:
    input:
        runs=passuntil_tables,
        checkpoints=LAYOUT.checkpoints(),
    output:
        fit=LAYOUT.passuntil_fit("{task}"),
        table=LAYOUT.table("passuntil_{task}"),
    log:
        LAYOUT.log("passuntil_fit", "{task}"),
    benchmark:
        LAYOUT.benchmark("passuntil_fit", "{task}")
    conda:
        "../envs/fit.yaml"
    params:
        opts=PU,
        seed=config["seed"],
    script:
        "../scripts/passuntil_fit.py"
