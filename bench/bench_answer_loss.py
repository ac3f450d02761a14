"""What computing logits only at answer positions saves a finetuning step (emergence.finetune.answer_loss).

A k-shot finetuning sequence trains on its answers only, yet transformers' `labels=` loss
projects every position onto the vocabulary. Times a LoRA r=8 step (forward, backward, clip,
AdamW; one thread; random-init weights: the cost does not depend on them) both ways, in
alternating blocks so the host's load hits both alike, on two toys:

  default  the default config's language (96 words) and its `rule` task, 2-shot, batch 32
  bands    a band language (4,096 words, bench/measured/toy_bands3l_candidate.yaml) and its
           `s64` task (lure_gen ranks 64-96, span 4), 8-shot, batch 8

Prints ms per step (median of the blocks), the ratio, and the largest gradient difference.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_answer_loss.py [--blocks 5 --steps 40]
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TQDM_DISABLE", "1")
import numpy as np  # noqa: E402
import torch  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOYS = {
    "default": (dict(n_words=96, successors=6, rule_prob=0.3, doc_len=12, doc_min=3, class_docs=0.2),
                "rule_mc", dict(context=4), 2, 32, "jsonl_multiple_choice.yaml"),
    "bands": (dict(kind="lure", n_words=4096, rule_prob=0.47, lure=0.33, tier=64, group=4, doc_end=0.1,
                   lure_bands=[[64, 96, 0.38], [96, 128, 0.36], [160, 192, 0.26]]),
              "lure_gen", dict(lo=64, hi=96, context=1, span=4), 8, 8, "jsonl_generate.yaml"),
}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--blocks", type=int, default=5)
    ap.add_argument("--steps", type=int, default=40)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    from peft import LoraConfig, get_peft_model

    from emergence import tasks
    from emergence.finetune import answer_loss, encode_examples, make_batch
    from emergence import prompt
    from emergence.toy import CorpusConfig, ModelConfig, build_model, make_corpus, make_tokenizer

    for name, (corpus_kw, gen, opts, shots, batch, template) in TOYS.items():
        cc = CorpusConfig(**corpus_kw)
        corpus, tok = make_corpus(cc), make_tokenizer(cc)
        rng = np.random.default_rng(0)
        pool = [tasks.GENERATORS[gen](corpus, rng, **opts) for _ in range(512)]
        enc = encode_examples(tok, pool, prompt.from_template(os.path.join(REPO, "tasks", template)))
        model = get_peft_model(build_model(cc, ModelConfig(arch="llama", n_layer=2, n_embd=64, n_head=4), 0),
                               LoraConfig(r=8, lora_alpha=16, task_type="CAUSAL_LM"))
        params = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=1e-3)
        model.train()
        x, y, m = make_batch(tok, rng, shots, batch, enc)
        grads = []
        for sliced in (False, True):
            opt.zero_grad(set_to_none=True)
            answer_loss(model, x, y, m, sliced).backward()
            grads.append([p.grad.clone() for p in params])
        diff = max(float((g0 - g1).abs().max()) for g0, g1 in zip(*grads))
        ms = {False: [], True: []}
        for _ in range(a.blocks):
            for sliced in (False, True):
                for i in range(a.steps + 3):  # 3 warm-up steps a block
                    if i == 3:
                        t0 = time.perf_counter()
                    opt.zero_grad(set_to_none=True)
                    answer_loss(model, x, y, m, sliced).backward()
                    torch.nn.utils.clip_grad_norm_(params, 1.0)
                    opt.step()
                ms[sliced].append((time.perf_counter() - t0) * 1000 / a.steps)
        full, kept = np.median(ms[False]), np.median(ms[True])
        share = float((y[:, 1:] != -100).sum()) / y[:, 1:].numel()
        print(f"{name:8s} batch {batch} x {x.shape[1]} tokens, {share:.0%} of positions predict an answer: "
              f"all logits {full:6.2f} ms/step, answer logits {kept:6.2f} ms/step, {full / kept:.2f}x; "
              f"largest gradient difference {diff:.1e}", flush=True)


if __name__ == "__main__":
    main()
