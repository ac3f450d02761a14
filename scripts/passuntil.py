"""Rule passuntil: sample each checkpoint of the job on a generation task until r passes per instance."""
import os
import tempfile

import pandas as pd

from emergence import runtime

log = runtime.setup(snakemake.log[0], snakemake.threads)
from emergence import evaluate, io, models, passuntil

runtime.preload(peft=False)
runtime.begin_work()
p = snakemake.params
o, t = p.opts, p.task
tmp = tempfile.mkdtemp(prefix="passuntil-")
name = passuntil.sampling_task(os.path.join(p.include_path, t["name"], f"{t['name']}.yaml"), t["name"],
                               o["batch"], o["temperature"], tmp)
device = models.pick_device(p.device)
ev = evaluate.Evaluator([p.include_path, tmp], batch_size=p.batch_size, device=device)
tables = []
for c in p.ckpts:
    with runtime.span("load"):
        model = models.load_model(c["path"], c["revision"], device=device, trust_remote_code=c["trust_remote_code"])
        tok = models.load_tokenizer(c["path"], c["revision"], c["tokenizer_use_fast"],
                                      trust_remote_code=c["trust_remote_code"])

    # run_round is called only within this iteration, before `del model` (hence the noqa)
    def run_round(ids, rnd):
        ev.seed = p.seed * 100_003 + rnd  # a new seed per round, else the same samples are redrawn
        res = ev.run(model, tok, name, t["num_fewshot"], samples={name: ids})  # noqa: B023,F821
        return passuntil.outcomes_from_samples(
            {"doc_id": s["doc_id"], "target": s["target"], "filtered_resps": s["resps"]} for s in res["samples"][name])

    state = passuntil.sample_until_pass(run_round, list(range(o["instances"])), o["r"], o["k_max"], log=log.info)
    est = passuntil.estimate(state["passes"], state["K"], o["r"], form=o["estimator"])
    out = pd.concat([state.rename(columns={"id": "doc_id"}), est.reset_index(drop=True)], axis=1)
    out.insert(0, "ckpt", c["ckpt"])
    tables.append(out)
    log.info(f"{c['ckpt']}: mean PU {out['pu'].mean():.3g}, {int(out['censored'].sum())} censored")
    del model
io.write_csv(pd.concat(tables, ignore_index=True), snakemake.output[0])
