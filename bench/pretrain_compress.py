"""Is the band series' pretraining a function of its summed learning rate? (issue 15: the budget)

The band config pretrains with an inverse-time rate, lr x t0 / (t0 + s - warmup). Scaling the
run by a factor c (lr x c; t0, warm-up, steps and checkpoint spacing / c; the EMA's window / c)
keeps the summed rate at each checkpoint, so if what is learnt follows the summed rate the
compressed run is the same series in c times fewer steps: c times cheaper pretraining, and the
same reach, since the law reads loss and the reach is a ratio of steps. This measures it: for
each c it pretrains the config's series exactly as the `toy` stage does (emergence.toy.pretrain),
then prints per checkpoint the held-out loss (emergence.pretrain_loss) and 8-shot exact match of
each band task, and at a few checkpoints the LoRA-finetuned accuracy for a few D (the config's
recipe), side by side by equivalent step (step x c).

    python bench/pretrain_compress.py --config configs/toy_bands.yaml --factors 1 2 4 --seed 0 --language 0

With --factors 1 it is a quick probe of any lure-language config (where each task's few-shot and
finetuned curves rise, ~13 min of one core for 800 steps): bench/measured/toy_bands_early_probe.txt.
"""
from __future__ import annotations

import argparse
import copy
import os
import sys
import time

import numpy as np
import torch
import yaml

sys.path.insert(0, os.path.dirname(__file__))
from toy_harness import finetune, gen_accuracy  # noqa: E402

from emergence import tasks as T  # noqa: E402
from emergence.pretrain_loss import heldout_loss  # noqa: E402
from emergence.recipe import Recipe  # noqa: E402
from emergence.toy import (CorpusConfig, ModelConfig, TrainConfig, heldout_texts, make_corpus,  # noqa: E402
                           make_tokenizer, pretrain)


def compressed(train: dict, c: float) -> tuple[dict, int]:
    """The config's train block run c times faster in steps: (TrainConfig kwargs, save_every)."""
    t = dict(train)
    every = t.pop("save_every")
    t.update(steps=round(t["steps"] / c), lr=t["lr"] * c, warmup=max(1, round(t["warmup"] / c)))
    if t.get("lr_decay"):
        t["lr_decay"] = {**t["lr_decay"], "t0": t["lr_decay"]["t0"] / c}
    if t.get("ema"):
        t["ema"] = 1 - (1 - t["ema"]) * c
    return t, max(1, round(every / c))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="configs/toy_bands.yaml")
    ap.add_argument("--factors", type=float, nargs="+", default=[1, 2, 4])
    ap.add_argument("--seed", type=int, default=0, help="master seed (model init, data stream)")
    ap.add_argument("--language", type=int, default=0, help="toy.corpus.seed")
    ap.add_argument("--n-test", type=int, default=400)
    ap.add_argument("--ft-steps", default="200,300,400,500,600", help="equivalent steps to finetune at")
    ap.add_argument("--data", default="8,64,512,4096")
    ap.add_argument("--ft-batches", default="", help="also finetune with these batch sizes at the same steps "
                    "(epochs scaled by batch / the recipe's batch): the summed rate kept, fewer sequences")
    ap.add_argument("--out", default="/tmp/pretrain_compress")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    cfg = yaml.safe_load(open(a.config))
    corpus_spec = {**cfg["toy"]["corpus"], "seed": a.language}
    cc = CorpusConfig(**corpus_spec)
    size = next(iter(cfg["series"][0]["sizes"].values()))
    mc = ModelConfig(**size["model"])
    corpus, tok = make_corpus(cc), make_tokenizer(cc)
    texts = heldout_texts(cc, cfg["toy"].get("heldout_sequences", 128), a.seed)
    tasks = {t["name"]: t for t in cfg["tasks"]}
    recs = {}
    for n, t in tasks.items():  # the same prompts for every factor
        g = T.GENERATORS[t["generator"]]
        recs[n] = [[g(corpus, np.random.default_rng([a.seed, i, k]), split=s, **t["options"]) for i in range(m)]
                   for k, (s, m) in enumerate((("test", a.n_test), ("fewshot", 64), ("pool", 4096)))]
    method = next(iter(cfg["finetune"]["methods"].values()))
    recipes = {"": Recipe.from_config(method)}
    for b in (int(x) for x in a.ft_batches.split(",") if x):
        recipes[f"b{b}"] = Recipe.from_config({**method, "batch_size": b,
                                               "epochs": method["epochs"] * b / method["batch_size"]})
    data = [int(d) for d in a.data.split(",")]
    ft_steps = {int(s) for s in a.ft_steps.split(",")}
    for c in a.factors:
        kw, every = compressed(cfg["toy"]["train"], c)
        tc = TrainConfig(**kw, seed=a.seed)
        tc.save_steps = list(range(every, tc.steps + 1, every))
        out = os.path.join(a.out, f"s{a.seed}_l{a.language}_c{c:g}")
        t0 = time.time()
        recs_ck = pretrain(cc, mc, tc, out, log=lambda *_: None)
        print(f"# c={c:g}: steps {tc.steps}, lr {tc.lr:g}, warmup {tc.warmup}, t0 {kw.get('lr_decay')}, "
              f"ema {tc.ema:g}, save every {every}; pretraining {time.time() - t0:.0f} s", flush=True)
        print("# eq_step  loss   " + "  ".join(f"{n}:fs" for n in tasks) + "   finetuned (task D acc)", flush=True)
        from transformers import AutoModelForCausalLM

        for r in recs_ck:
            m = AutoModelForCausalLM.from_pretrained(r["path"]).eval()
            eq = round(r["step"] * c)
            loss = heldout_loss(m, tok, texts, cc.seq_len)
            fs = [gen_accuracy(m, tok, recs[n][0], recs[n][1], tasks[n]["num_fewshot"]) for n in tasks]
            ft = []
            if eq in ft_steps:
                for n in tasks:
                    k = tasks[n]["num_fewshot"]
                    for d in data:
                        for rn, recipe in recipes.items():
                            tf = time.time()
                            fm = finetune(copy.deepcopy(m), tok, recs[n][2][:d], recipe, k, d)
                            tf = time.time() - tf
                            acc = gen_accuracy(fm, tok, recs[n][0], recs[n][1], k)
                            ft.append(f"{n}:{d}{rn}={acc:.2f}({tf:.1f}s)")
            print(f"  {eq:6d}  {loss:.3f}  " + "  ".join(f"{v:6.3f}" for v in fs) + "   " + " ".join(ft), flush=True)
        print(f"# c={c:g} done in {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
