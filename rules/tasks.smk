# Stage 3: toy tasks as lm-eval task YAMLs over generated local files.
# Tiny, but the finetune jobs (the longest chain) wait on them: priority as finetune.


rule tasks:
    output:
        yaml=LAYOUT.task_file("{task}", "{task}.yaml"),
        test=LAYOUT.task_file("{task}", "test.jsonl"),
        fewshot=LAYOUT.task_file("{task}", "fewshot.jsonl"),
        pool=LAYOUT.task_file("{task}", "pool.jsonl"),
    log:
        LAYOUT.log("tasks", "{task}"),
    benchmark:
        LAYOUT.benchmark("tasks", "{task}")
    priority: 10
    conda:
        "../envs/tasks.yaml"
    params:
        task=task_spec,
        corpus=config["toy"]["corpus"],
        seed=config["seed"],
        templates=os.path.join(workflow.basedir, "tasks"),
        generator_version=GENERATOR_VERSION,
    script:
        "../scripts/tasks.py"


# lm-eval tasks (MMLU, GSM8K, ...): only the finetuning pool is exported, from the task's
# own documents and formatting; evaluation uses the task by name.
rule task_pool:
    output:
        LAYOUT.task_file("{task}", "train_pool.jsonl"),
    log:
        LAYOUT.log("task_pool", "{task}"),
    benchmark:
        LAYOUT.benchmark("task_pool", "{task}")
    conda:
        "../envs/evaluate.yaml"
    params:
        task=task_spec,
        seed=config["seed"],
    script:
        "../scripts/task_pool.py"
