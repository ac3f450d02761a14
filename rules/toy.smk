# Stage 1: the embedded toy checkpoint series (a generated corpus, tiny GPT-2 models).


rule toy_corpus:
    output:
        LAYOUT.heldout(),
    log:
        LAYOUT.log("toy_corpus"),
    benchmark:
        LAYOUT.benchmark("toy_corpus")
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
        LAYOUT.log("toy", "{series}-{size}"),
    benchmark:
        LAYOUT.benchmark("toy", "{series}-{size}")
    conda:
        "../envs/toy.yaml"
    threads: toy_threads
    params:
        corpus=config["toy"]["corpus"],
        train=config["toy"]["train"],
        model=toy_model,
        seed=config["seed"],
    script:
        "../scripts/toy.py"
