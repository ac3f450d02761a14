"""What one toy pretraining step costs with transformers' loss and with the chunked loss
(toy.train.loss_chunk, emergence.chunked_ce), on the default language (96 words, batch 32)
and a band language (4,096 words, batch 64; bench/measured/toy_bands3l_candidate.yaml).
Llama 2 x 64, one thread, random-init weights (the cost does not depend on them), AdamW and
clipping as emergence.toy.pretrain; alternating blocks so the host's load hits all alike.
Prints seconds a step (median of the blocks) and the speed-up over transformers' loss;
`--workers 1,2` also times the chunked loss on two worker threads (what the toy rule gives it
on two cores) and checks that it returns the same bits as one.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_pretrain_step.py [--blocks 3 --steps 10 --workers 1,2]
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

LANGUAGES = {
    "default": (dict(n_words=96, successors=6, rule_prob=0.3, doc_len=12, doc_min=3, class_docs=0.2), 32),
    "bands": (dict(kind="lure", n_words=4096, rule_prob=0.47, lure=0.33, tier=64, group=4, doc_end=0.1,
                   lure_bands=[[64, 96, 0.38], [96, 128, 0.36], [160, 192, 0.26]]), 64),
}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--blocks", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--chunks", default="0,128,256,512")
    ap.add_argument("--workers", default="1", help="worker threads of the chunked loss, e.g. 1,2")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    from emergence.chunked_ce import lm_loss
    from emergence.toy import CorpusConfig, ModelConfig, build_model, make_corpus, vocab

    workers = [int(w) for w in a.workers.split(",")]
    runs = [(c, w) for c in (int(c) for c in a.chunks.split(",")) for w in (workers if c else [1])]
    for name, (kw, batch) in LANGUAGES.items():
        cc = CorpusConfig(**kw)
        model = build_model(cc, ModelConfig(arch="llama", n_layer=2, n_embd=64, n_head=4), 0)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
        x = torch.from_numpy(make_corpus(cc).batch(np.random.default_rng(0), batch))
        sec = {r: [] for r in runs}
        for _ in range(a.blocks):
            for c, w in runs:
                for i in range(a.steps + 2):  # 2 warm-up steps a block
                    if i == 2:
                        t0 = time.perf_counter()
                    opt.zero_grad(set_to_none=True)
                    (lm_loss(model, x, c, w) if c else model(input_ids=x, labels=x).loss).backward()
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                    opt.step()
                sec[c, w].append((time.perf_counter() - t0) / a.steps)
        base = np.median(sec[0, 1]) if (0, 1) in sec else None
        for c, w in runs:
            s = np.median(sec[c, w])
            label = "transformers loss" if not c else f"chunk {c}" + (f", {w} workers" if w > 1 else "")
            print(f"{name:8s} batch {batch} x {x.shape[1]} tokens, {len(vocab(cc))} words, "
                  f"{label:17s}: {s:.3f} s/step" + (f", {base / s:.2f}x" if base else ""), flush=True)
        for c in sorted({c for c, w in runs if c and w > 1}):  # the same gradient, bit for bit
            grads = []
            for w in (1, max(workers)):
                model.zero_grad(set_to_none=True)
                lm_loss(model, x, c, w).backward()
                grads.append([p.grad.clone() for p in model.parameters()])
            same = all(torch.equal(g1, g2) for g1, g2 in zip(*grads))
            print(f"{name:8s} chunk {c}: gradients with 1 and {max(workers)} workers "
                  f"{'identical' if same else 'DIFFER'}", flush=True)


if __name__ == "__main__":
    main()
