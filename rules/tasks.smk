# Stage 3: toy tasks as lm-eval task YAMLs over generated local files.


rule tasks:
    output:
        yaml=f"{OUT}/tasks/{{task}}/{{task}}.yaml",
        test=f"{OUT}/tasks/{{task}}/test.jsonl",
        fewshot=f"{OUT}/tasks/{{task}}/fewshot.jsonl",
        pool=f"{OUT}/tasks/{{task}}/pool.jsonl",
    params:
        task=task_spec,
        corpus=config["toy"]["corpus"],
        seed=config["seed"],
        templates=os.path.join(workflow.basedir, "tasks"),
    log:
        f"{OUT}/logs/tasks/{{task}}.log",
    benchmark:
        f"{OUT}/benchmarks/tasks/{{task}}.tsv"
    conda:
        "../envs/tasks.yaml"
    script:
        "../scripts/tasks.py"
