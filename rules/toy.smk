# Stage 1: the embedded toy checkpoint series (a generated corpus, tiny GPT-2 models).


rule toy_corpus:
    output:
        LAYOUT.heldout(),
    log:
        f"{OUT}/logs/toy_corpus.log",
    benchmark:
        f"{OUT}/benchmarks/toy_corpus.tsv"
    conda:
        "../envs/toy.yaml"
    params:
        corpus=config["toy"]["corpus"],
        n=config["toy"]["heldout_sequences"],
        seed=config["seed"],
    script:
        "../scripts/toy_corpus.py"


# One job trains one size and saves a checkpoint every save_every steps, so selecting
# more of them in the config later never retrains (the params below omit the selection).
rule toy:
    output:
        ckpts=directory(LAYOUT.size_dir("{series}", "{size}")),
        manifest=LAYOUT.size_manifest("{series}", "{size}"),
    log:
        f"{OUT}/logs/toy/{{series}}-{{size}}.log",
    benchmark:
        f"{OUT}/benchmarks/toy/{{series}}-{{size}}.tsv"
    conda:
        "../envs/toy.yaml"
    params:
        corpus=config["toy"]["corpus"],
        train=config["toy"]["train"],
        model=toy_model,
        seed=config["seed"],
    script:
        "../scripts/toy.py"
