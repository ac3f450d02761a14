# Stage 2: pretraining loss (nats/token) of every checkpoint on held-out text.


rule pretrain_loss:
    input:
        unpack(pretrain_loss_inputs),
    output:
        LAYOUT.pretrain_loss_table("{series}", "{size}"),
    log:
        LAYOUT.log("pretrain_loss", "{series}-{size}"),
    benchmark:
        LAYOUT.benchmark("pretrain_loss", "{series}-{size}")
    conda:
        "../envs/pretrain_loss.yaml"
    params:
        ckpts=size_ckpts,
        opts=config["pretrain_loss"],
        spec=size_spec,
        device=config["evaluate"]["device"],
    script:
        "../scripts/pretrain_loss.py"


rule checkpoints:
    input:
        pretrain_loss_tables,
    output:
        LAYOUT.checkpoints(),
    log:
        LAYOUT.log("checkpoints"),
    localrule: True
    conda:
        "../envs/collect.yaml"
    script:
        "../scripts/checkpoints.py"
