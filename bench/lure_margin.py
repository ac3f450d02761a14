"""The lure language's margin (issue-15 research): pretrains like `toy_harness.py --lure` and
prints, every 25 steps, the log-probabilities of the rule successor and of the lure after each
test word of a band (k = 0): their mean and sd across words, and the greedy top-1 rate.

    python bench/lure_margin.py '{"lure": {"n_words": 1024, "rule": 0.5, "lure": 0.3}, "steps": 900}'
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lure_language import lure_config  # noqa: E402
from toy_harness import pretrain_step  # noqa: E402

from emergence.toy import SPECIALS, ModelConfig, build_model, make_corpus, vocab  # noqa: E402


def main(args: dict):
    torch.set_num_threads(1)
    lc = lure_config(args.get("lure", {}), 0)
    c = make_corpus(lc)
    mc = ModelConfig(**args.get("model", {"arch": "llama", "n_layer": 2, "n_embd": 64, "n_head": 4}))
    model = build_model(lc, mc, 0, len(vocab(lc)))
    opt = torch.optim.AdamW(model.parameters(), lr=args.get("lr", 1e-3), betas=(0.9, 0.98), weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 100))
    rng = np.random.default_rng([0, 1])
    lo, hi = args.get("band", [64, 128])
    words = [w for w in range(lo, hi) if (w // lc.group) % 2 == 1]
    x_test = torch.tensor([[SPECIALS.index("|"), c.w0 + w] for w in words])
    rule_ids = torch.tensor([c.w0 + int(c.succ[w]) for w in words])
    for step in range(1, args.get("steps", 800) + 1):
        loss = pretrain_step(model, opt, sched, torch.from_numpy(c.batch(rng, args.get("bs", 32))))
        if step % 25:
            continue
        model.eval()
        with torch.no_grad():
            logits = model(input_ids=x_test).logits[:, -1]
            lp = torch.log_softmax(logits, -1)
            r, lure = lp[torch.arange(len(words)), rule_ids], lp[torch.arange(len(words)), c.lure_id + c.lure_of[words]]
            m = (r - lure).numpy()
            top = float((logits.argmax(-1) == rule_ids).float().mean())
        print(f"{step:5d} loss {loss:.3f}  lure lp {float(lure.mean()):6.2f} (sd {float(lure.std()):.2f})  "
              f"rule lp {float(r.mean()):6.2f} (sd {float(r.std()):.2f})  margin {m.mean():6.2f} sd {m.std():.2f}  "
              f"top1 {top:.2f}", flush=True)
        model.train()


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
