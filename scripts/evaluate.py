"""Rule evaluate: lm-eval on the checkpoints of one job, few-shot and every finetuned model."""
import os
import tempfile

import pandas as pd

from emergence import runtime

log = runtime.setup(snakemake.log[0], snakemake.threads)
from emergence import evaluate, io, layout, models, tasks

p = snakemake.params
runtime.preload(peft=any("finetuned" in c for c in p.ckpts))
runtime.begin_work()
device = models.pick_device(p.opts["device"])
include = p.include_path if os.path.isdir(p.include_path) else None
overrides = tempfile.TemporaryDirectory()  # override YAMLs of tasks with `dataset`, kept to the end
extra = [d for t in p.tasks.values() for d in tasks.lm_eval_include(t, overrides.name)]
# no toy task (so no tasks folder) must not put None among the paths
ev = evaluate.Evaluator([d for d in [include, *extra] if d] or None,
                        include_defaults=any(t["source"] == "lm_eval" for t in p.tasks.values()),
                        batch_size=p.opts["batch_size"], device=device)
rows = []
backend = p.opts.get("backend") or "hf"
if backend == "vllm" and not device.startswith("cuda"):
    raise SystemExit("error: evaluate.backend vllm needs a CUDA GPU and none is visible here; use backend hf")
progress = runtime.Progress(sum(len(c["runs"]) for c in p.ckpts), log, "evaluations")
for c in p.ckpts:
    with runtime.span("load"):
        tok = models.load_tokenizer(c["path"], c["revision"], c["tokenizer_use_fast"],
                                      trust_remote_code=c["trust_remote_code"])
    out_dir = os.path.join(snakemake.output.runs, c["ckpt"])
    host = None  # this checkpoint's base model, loaded on first use (emergence.models.AdapterHost)
    engine = None  # or its vLLM engine (evaluate.backend: vllm)
    for r in c["runs"]:
        t, m = r["task"], r["method"]
        spec = p.tasks[t]
        n_shot = r.get("num_fewshot", spec["num_fewshot"])
        if m == "fewshot":  # the task's k-shot prompt; "fewshot0" for evaluate.zero_shot's 0-shot runs
            name, adapter = "fewshot" if n_shot == spec["num_fewshot"] else f"fewshot{n_shot}", None
        else:
            name = layout.run_dir(t, m, r["data_amount"], r["subset_sample"])
            adapter = os.path.join(c["finetuned"], name)
        kind = None if m == "fewshot" else p.methods[m]["kind"]
        full = kind == "full"  # full finetuning saved whole weights
        model = None  # at most the base and one finetuned model in memory
        with runtime.span("load"):
            if backend == "vllm" and kind in (None, "lora"):  # one engine per checkpoint, adapters as LoRA requests
                if engine is None:
                    engine = ev.vllm(c["path"], c["revision"], lora=any(x["method"] != "fewshot" for x in c["runs"]),
                                     trust_remote_code=c["trust_remote_code"])
                ev.set_adapter(engine, adapter, len(rows))
            elif full:
                model = models.load_model(adapter, device=device)
            else:  # the base is read once per checkpoint; each adapter is merged into it in turn (or wraps it: prefix)
                if host is None:
                    host = models.AdapterHost(c["path"], c["revision"], device=device,
                                              trust_remote_code=c["trust_remote_code"])
                model = host.model(adapter)
        if model is None:
            res = ev.run_lm(engine, t, n_shot, limit=spec.get("limit"))
        else:
            res = ev.run(model, tok, t, n_shot, limit=spec.get("limit"))
        samples = res["samples"][t]
        values = {spec["metric"]: (evaluate.metric_value(res, t, spec["metric"]),
                                   evaluate.metric_stderr(samples, spec["metric"]))}
        if res["configs"][t].get("output_type") == "multiple_choice":
            values["logprob_norm"] = evaluate.normalized_logprob(samples)
        evaluate.save_run(res, t, os.path.join(out_dir, t if m == "fewshot" else "", name))
        for metric, (value, se) in values.items():
            rows.append({"ckpt": c["ckpt"], "task": t, "method": m, "data_amount": r["data_amount"],
                         "subset_sample": r["subset_sample"], "num_fewshot": n_shot,
                         "metric": metric, "value": value, "stderr": se})
        progress.step(f"{c['ckpt']} {t} {name}: {values}")
io.write_csv(pd.DataFrame(rows), snakemake.output.table)
