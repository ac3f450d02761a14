"""Research harness for the embedded toy: does a corpus / model / recipe candidate give
graded finetuning elbows (issue 15)? In-process and fast (no lm-eval, no Snakemake), so a
candidate costs ~1-2 min on one core; the adopted candidate is then measured through the
pipeline itself (`make run`, `configs/toy_*.yaml`).

For one candidate it pretrains one model size, snapshots it every `--every` steps, and
prints per snapshot: held-out loss, k-shot multiple-choice accuracy on each task, and the
accuracy after LoRA finetuning on D examples (in the task's k-shot format, as the
pipeline does) for each D. Multiple-choice answers are single words, so lm-eval's acc is
the argmax over the choices' next-token logits, which is what is computed here.

    python bench/toy_harness.py --corpus '{"rule_prob": 0.3}' --steps 400 --seed 0
"""
from __future__ import annotations

import argparse
import copy
import json
import time
from pathlib import Path

import numpy as np
import torch

from emergence import tasks as T
from emergence.finetune import encode_examples, make_batch
from emergence.prompt import PromptFormat
from emergence.recipe import Recipe
from emergence.toy import Corpus, CorpusConfig, ModelConfig, build_model, make_corpus, make_tokenizer

FMT = PromptFormat(" ", " | ", "")


def records(corpus, gen, n, seed, opts, split="test"):
    rng = np.random.default_rng([seed, n, 7])
    return [T.GENERATORS[gen](corpus, rng, split=split, **opts) for _ in range(n)]


@torch.no_grad()
def mc_accuracy(model, tok, test, shots, k, seed=0):
    rng = np.random.default_rng(seed)
    prompts, choice_ids, labels = [], [], []
    for r in test:
        demo = [shots[i] for i in rng.choice(len(shots), k, replace=False)] if k else []
        text = FMT.render(demo + [{"context": r["context"], "target": ""}]).rstrip()
        prompts.append(tok(text, add_special_tokens=False).input_ids)
        choice_ids.append([tok(c, add_special_tokens=False).input_ids[0] for c in r["choices"]])
        labels.append(r["label"])
    correct = 0
    for i in range(0, len(prompts), 128):
        chunk = prompts[i:i + 128]
        w = max(map(len, chunk))
        x = torch.zeros((len(chunk), w), dtype=torch.long)
        m = torch.zeros_like(x)
        for j, p in enumerate(chunk):  # left-pad so the last position is the query's end
            x[j, w - len(p):], m[j, w - len(p):] = torch.tensor(p), 1
        logits = model(input_ids=x, attention_mask=m).logits[:, -1]
        for j in range(len(chunk)):
            c = choice_ids[i + j]
            correct += int(int(torch.argmax(logits[j, c])) == labels[i + j])
    return correct / len(prompts)


@torch.no_grad()
def gen_accuracy(model, tok, test, shots, k, seed=0):
    """Greedy exact match of a generation task (records without choices), teacher-forced: greedy
    decoding reproduces the target iff every target token is the argmax given the right prefix."""
    rng = np.random.default_rng(seed)
    seqs = []
    for r in test:
        demo = [shots[i] for i in rng.choice(len(shots), k, replace=False)] if k else []
        p = tok(FMT.render(demo + [{"context": r["context"], "target": ""}]).rstrip(), add_special_tokens=False).input_ids
        seqs.append((p, tok(" " + r["target"], add_special_tokens=False).input_ids))
    correct = 0
    for i in range(0, len(seqs), 128):
        chunk = seqs[i:i + 128]
        w = max(len(p) + len(t) for p, t in chunk)
        x = torch.zeros((len(chunk), w), dtype=torch.long)
        m = torch.zeros_like(x)
        for j, (p, t) in enumerate(chunk):
            x[j, :len(p) + len(t)], m[j, :len(p) + len(t)] = torch.tensor(p + t), 1
        pred = model(input_ids=x, attention_mask=m).logits.argmax(-1)
        for j, (p, t) in enumerate(chunk):
            correct += int(pred[j, len(p) - 1:len(p) + len(t) - 1].tolist() == t)
    return correct / len(seqs)


def accuracy(model, tok, test, shots, k):
    return (mc_accuracy if "choices" in test[0] else gen_accuracy)(model, tok, test, shots, k)


def pretrain_step(model, opt, sched, x) -> float:
    """One pretraining step on the batch x (clipped, as emergence.toy trains); its loss."""
    loss = model(input_ids=x, labels=x).loss
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    return loss.item()


@torch.no_grad()
def heldout_loss(model, batch):
    return float(model(input_ids=batch, labels=batch).loss)


def finetune(model, tok, subset, recipe: Recipe, k, seed):
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    m = copy.deepcopy(model)
    lc = recipe.lora
    if recipe.kind == "lora":
        m = get_peft_model(m, LoraConfig(r=lc.r, lora_alpha=lc.alpha, task_type="CAUSAL_LM",
                                         target_modules=list(lc.target_modules) if lc.target_modules else None))
    params = [p for p in m.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=recipe.lr, weight_decay=0.0)
    n_steps = recipe.n_steps(len(subset))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: recipe.lr_factor(s, n_steps))
    enc = encode_examples(tok, subset, FMT)
    m.train()
    for _ in range(n_steps):
        x, y, mask = make_batch(tok, rng, k, recipe.batch_size, enc)
        loss = m(input_ids=x, attention_mask=mask, labels=y).loss
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
    m.eval()
    return m


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="{}")
    ap.add_argument("--model", default='{"arch": "llama", "n_layer": 2, "n_embd": 64, "n_head": 4}')
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--batch", type=int, default=32, help="pretraining sequences per step")
    ap.add_argument("--schedule", default="constant",
                    help="constant | drop:STEP:FACTOR | cosine | inv:T0:POWER (x (T0/(T0+s-warmup))^POWER after warmup)")
    ap.add_argument("--every", type=int, default=25)
    ap.add_argument("--ema", type=float, default=0.0,
                    help="snapshot an exponential moving average of the weights with this decay (0: the weights)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tasks", default='{"rule": ["rule_mc", {"context": 4}]}')
    ap.add_argument("--k", type=int, default=2)
    ap.add_argument("--recipe", default='{"kind": "lora", "lora": {"r": 8, "alpha": 16}, "lr": 0.005, '
                                        '"epochs": 8, "min_steps": 8, "max_steps": 256, "batch_size": 32}')
    ap.add_argument("--data", default="32,128,512,2048")
    ap.add_argument("--ft-from", type=float, default=0.3, help="finetune snapshots after this share of training")
    ap.add_argument("--ft-every", type=int, default=2)
    ap.add_argument("--ft-to", type=float, default=1.0, help="finetune snapshots up to this share of training")
    ap.add_argument("--n-test", type=int, default=400)
    ap.add_argument("--ft-tasks", default=None, help="comma-separated tasks to finetune (default: all)")
    ap.add_argument("--fit", action="store_true", help="fit the emergence law to each finetuned task's table "
                    "(MLE + profile), Full Data and -k Last Checkpoints, with the steps ahead")
    ap.add_argument("--save", help="write the table (one row per snapshot, task and D) to this CSV")
    ap.add_argument("--table", help="skip training: fit the law to a table written by --save")
    ap.add_argument("--chance", type=float, help="the task's chance level with --table (default 1/successors)")
    ap.add_argument("--max-k", type=int, default=8, help="the law's rows run to '-k Last Checkpoints' (--fit)")
    ap.add_argument("--variant", default="log_power", help="the law's form (--fit): log_power, power, no_fewshot")
    ap.add_argument("--slope-per-d", action="store_true", help="the law with one ReLU slope per D (--fit)")
    ap.add_argument("--facts", help="JSON: use bench/facts_language.py's FactsConfig instead of the rule language")
    ap.add_argument("--lure", help="JSON: the lure language (emergence.lure; keys as bench/lure_language.py reads them)")
    ap.add_argument("--snapshots", help="a folder: load the snapshots from it if a run with the same pretraining "
                    "arguments saved them there, else pretrain and save them (recipes compared on one pretraining; the "
                    "key is the arguments, not the code: clear the folder after changing how pretraining works)")
    a = ap.parse_args(argv)
    if a.table:
        import pandas as pd

        rows = pd.read_csv(a.table).to_dict("records")
        cc = CorpusConfig(**{**dict(seq_len=96, doc_len=12, doc_min=3, seed=a.seed), **json.loads(a.corpus)})
        for name in (a.ft_tasks.split(",") if a.ft_tasks else sorted({r["task"] for r in rows})):
            law_report(rows, name, a.chance if a.chance is not None else 1 / cc.successors, a.n_test,
                       a.slope_per_d, a.variant, a.max_k, a.k)
        return
    torch.set_num_threads(1)
    # the toy language is the master seed's unless the corpus names its own ("seed")
    cc = CorpusConfig(**{**dict(seq_len=96, doc_len=12, doc_min=3, seed=a.seed), **json.loads(a.corpus)})
    mc = ModelConfig(**json.loads(a.model))
    recipe = Recipe.from_config(json.loads(a.recipe))
    corpus, tok = Corpus(cc), make_tokenizer(cc)
    n_vocab = None
    if a.facts is not None:
        from facts_language import FactsConfig, FactsCorpus

        corpus = FactsCorpus(FactsConfig(**{"seed": a.seed, **json.loads(a.facts)}))
        tok, n_vocab = corpus.tokenizer(), len(corpus.vocab)
    if a.lure is not None:
        from lure_language import lure_config, task_options

        spec = json.loads(a.lure)
        clean_rows = spec.pop("clean_rows", 0)  # harness only: lure_language.CleanRows
        if "band_lures" in spec:  # batches 105-108's name for toy.corpus.lure_bands
            spec["lure_bands"] = spec.pop("band_lures")
        cc = lure_config(spec, a.seed)
        corpus, tok = make_corpus(cc), make_tokenizer(cc)
        if clean_rows:
            from lure_language import CleanRows

            corpus = CleanRows(corpus, clean_rows)
    specs = json.loads(a.tasks)
    if a.lure is not None:  # the recorded runs' lure_gen defaults
        specs = {n: (g, task_options(g, o)) for n, (g, o) in specs.items()}
    data = [int(d) for d in a.data.split(",")]
    more = max(0, max(data) - 4096)  # D above 4096: more pool records, the first 4096 unchanged
    tasks = {n: (records(corpus, g, a.n_test, 1, o), records(corpus, g, 64, 2, o, "fewshot"),
                 records(corpus, g, 4096, 3, o, "pool") + (records(corpus, g, more, 4, o, "pool") if more else []))
             for n, (g, o) in specs.items()}
    model = build_model(cc, mc, a.seed, n_vocab)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.98), weight_decay=0.01)
    def lr_at(s):
        f = min(1.0, (s + 1) / a.warmup)
        if a.schedule.startswith("drop:"):
            _, at, by = a.schedule.split(":")
            f *= float(by) if s >= int(at) else 1.0
        elif a.schedule.startswith("inv:"):  # lr ~ 1/t: knowledge ~ log t, so equal gaps become FLOPs ratios
            _, t0, pw = a.schedule.split(":")
            f *= (float(t0) / (float(t0) + max(0, s - a.warmup))) ** float(pw)
        elif a.schedule == "cosine":
            f *= 0.5 * (1 + np.cos(np.pi * min(s, a.steps) / a.steps))
        return f

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    rng = np.random.default_rng([a.seed, 1])
    held = torch.from_numpy(corpus.batch(np.random.default_rng([a.seed, 2]), 128))
    t0 = time.time()
    snaps = []
    ema = copy.deepcopy(model) if a.ema else None  # averages out the step-to-step swings of shared logits
    pre = {k: getattr(a, k) for k in ("corpus", "model", "steps", "lr", "warmup", "batch", "schedule", "every",
                                      "ema", "seed", "facts", "lure")}
    cache = Path(a.snapshots) / "snapshots.pt" if a.snapshots else None
    if cache is not None and cache.exists():
        saved = torch.load(cache)
        if saved["pretraining"] != pre:
            raise SystemExit(f"{cache}: saved by a run with other pretraining arguments {saved['pretraining']}")
        for step, loss, state in saved["snaps"]:
            m = copy.deepcopy(model)
            m.load_state_dict(state)
            snaps.append((step, loss, m))
    for step in range(1, 0 if snaps else a.steps + 1):  # loaded snapshots: no pretraining
        pretrain_step(model, opt, sched, torch.from_numpy(corpus.batch(rng, a.batch)))
        if ema is not None:
            with torch.no_grad():
                for pe, p in zip(ema.parameters(), model.parameters()):
                    pe.mul_(a.ema).add_(p.detach(), alpha=1 - a.ema)
        if step % a.every == 0:
            snap = ema if ema is not None else model
            snap.eval()
            snaps.append((step, heldout_loss(snap, held), copy.deepcopy(snap)))
            model.train()
    if cache is not None and not cache.exists():  # written whole, then renamed: a killed run leaves no cache
        cache.parent.mkdir(parents=True, exist_ok=True)
        part = cache.with_suffix(".part")
        torch.save(dict(pretraining=pre, snaps=[(st, lo, m.state_dict()) for st, lo, m in snaps]), part)
        part.replace(cache)
    print(f"# pretrain {time.time() - t0:.0f}s  corpus={a.corpus} model={a.model} recipe={a.recipe}", flush=True)
    head = "step   loss  " + "  ".join(f"{n}:fs " + " ".join(f"D{d:<4}" for d in data) for n in tasks)
    print(head, flush=True)
    rows = []
    for i, (step, loss, m) in enumerate(snaps):
        m.eval()
        cols = []
        ft_here = a.ft_from * a.steps <= step <= a.ft_to * a.steps and i % a.ft_every == 0
        for name, (test, shots, pool) in tasks.items():
            accs = [accuracy(m, tok, test, shots, a.k)]
            for d in data:
                if ft_here and (a.ft_tasks is None or name in a.ft_tasks.split(",")):
                    sub = [pool[j] for j in np.random.default_rng([d, 5]).choice(len(pool), min(d, len(pool)),
                                                                                   replace=False)]
                    accs.append(accuracy(finetune(m, tok, sub, recipe, a.k, d), tok, test, shots, a.k))
                else:
                    accs.append(float("nan"))
            rows += [dict(task=name, ckpt=f"step{step}", step=step, pretrain_loss=loss, data_amount=d, value=v)
                     for d, v in zip([0] + data, accs) if not np.isnan(v)]
            cols.append(" ".join(f"{v:5.2f}" for v in accs))
        print(f"{step:5d} {loss:6.3f}  " + "   ".join(cols), flush=True)
    if a.save:
        import pandas as pd

        pd.DataFrame(rows).to_csv(a.save, index=False)
    if a.fit:
        for name in (a.ft_tasks.split(",") if a.ft_tasks else tasks):
            r0 = tasks[name][0][0]  # exact match of a generation task: chance 0
            law_report(rows, name, 1 / len(r0["choices"]) if "choices" in r0 else 0.0, a.n_test, a.slope_per_d,
                       a.variant, a.max_k, a.k)
    print(f"# total {time.time() - t0:.0f}s", flush=True)


def law_report(rows, task, chance, n_test, slope_per_D=False, variant="log_power", max_k=8, shots=2):
    """The pipeline's fit on the harness's table (one subset draw per D, no MCMC): Full Data
    and -k Last Checkpoints, each with the step of the last checkpoint kept and how many
    times its steps (= FLOPs along the run) the true emergence point needs."""
    import pandas as pd

    from emergence.fit import fit_task
    from emergence.tables import _drop_last

    df = pd.DataFrame([r for r in rows if r["task"] == task])
    df = df.assign(series="h", size="m", method=np.where(df["data_amount"] > 0, "lora", "fewshot"),
                   subset_sample=(df["data_amount"] > 0).astype(int), num_fewshot=shots, metric="acc",
                   stderr=np.sqrt(df["value"] * (1 - df["value"]) / n_test))
    steps = df.groupby("ckpt")["step"].first()
    fs = df[df["data_amount"] == 0].sort_values("step")
    per_d = f" ({variant}{', a slope per D' if slope_per_D else ''})"
    print(f"# law{per_d} on {task}:  row  n_ckpts  last_step  predicted  truth  error  trivial  steps_ahead  status")
    for k in range(0, max_k + 1):  # Table 2's '-k Last Checkpoints', further than its k <= 4
        name = "Full Data" if k == 0 else f"-{k} Last Checkpoints"
        r = fit_task(df, task, chance=chance, mcmc=None, select=_drop_last(k), slope_per_D=slope_per_D,
                     variant=variant)
        if not r.get("fit_ckpts") or r["emergence_point_mle"] is None or r["ground_truth"] is None:
            print(f"#   {name}: {r['status']} ({r.get('reason')})")
            continue
        last = max(steps[c] for c in r["fit_ckpts"])
        # the truth's step, interpolated in loss along the run
        t_step = float(np.interp(-r["ground_truth"], -fs["pretrain_loss"].to_numpy(), fs["step"].to_numpy()))
        triv = r.get("baseline_trivial_error")
        print(f"#   {name:22s} {r['n_ckpts']:3d} {last:5d}  {r['emergence_point_mle']:.3f}  {r['ground_truth']:.3f}  "
              f"{r['error_nats']:.3f}  {triv if triv is None else round(triv, 3)}  {t_step / last:.2f}x  "
              f"{r['status']}", flush=True)


if __name__ == "__main__":
    main()
