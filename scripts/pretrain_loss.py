"""Rule pretrain_loss: held-out loss, params, tokens and FLOPs of one size's checkpoints."""
import pandas as pd

from emergence import runtime

log = runtime.setup(snakemake.log[0], snakemake.threads)
from emergence import io, models, pretrain_loss

runtime.preload(lm_eval=False, peft=False)
runtime.begin_work()
p = snakemake.params
device = models.pick_device(p.device)
corpus = p.opts["corpus"]
source = corpus if isinstance(corpus, dict) else snakemake.input.corpus
texts = pretrain_loss.read_texts(source, p.opts["max_sequences"])
manifest = pd.read_csv(snakemake.input.manifest[0]).set_index("step") if snakemake.input.manifest else None
rows = []
progress = runtime.Progress(len(p.ckpts), log, "checkpoints")
for c in p.ckpts:
    with runtime.span("load"):
        model = models.load_model(c["path"], c["revision"], device=device,
                                    trust_remote_code=p.spec["trust_remote_code"])
        tok = models.load_tokenizer(c["path"], c["revision"], p.spec["tokenizer_use_fast"],
                                      p.spec["trust_remote_code"])
    loss = pretrain_loss.heldout_loss(model, tok, texts, p.opts["seq_len"], device=device)
    if manifest is not None:
        params, tokens = manifest.loc[c["step"], "params"], manifest.loc[c["step"], "tokens"]
    else:
        params = p.spec.get("params", sum(x.numel() for x in model.parameters()))
        tokens = p.spec.get("tokens_per_step", float("nan")) * c["step"]
    rows.append({"ckpt": c["ckpt"], "series": c["series"], "size": c["size"], "step": c["step"],
                 "params": int(params), "tokens": float(tokens),
                 "flops": pretrain_loss.flops(params, tokens), "pretrain_loss": loss,
                 "path": c["path"], "revision": c["revision"]})
    progress.step(f"{c['ckpt']} loss {loss:.4f}")
io.write_csv(pd.DataFrame(rows), snakemake.output[0])
