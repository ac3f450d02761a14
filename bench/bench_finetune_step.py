"""What one finetuning step of the embedded toy costs, by batch size: is it fixed per-step
overhead (then training several adapters in one forward would pay) or work per sequence?

Builds the default toy model (size m, random init: the cost does not depend on the weights)
with a LoRA r=8 adapter through peft, makes k-shot `rule` batches in the pipeline's format
(emergence.finetune.make_batch) and times forward + backward + clip + AdamW per step at
several batch sizes, one thread. Prints ms per step and the fitted split
ms/step = fixed + per_sequence * batch.

    OMP_NUM_THREADS=1 python bench/bench_finetune_step.py [--batches 32,64,128,256,768]
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TQDM_DISABLE", "1")
import numpy as np  # noqa: E402
import torch  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", default="32,64,128,256,768")
    ap.add_argument("--steps", type=int, default=20)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    from peft import LoraConfig, get_peft_model

    from emergence import tasks
    from emergence.finetune import encode_examples, make_batch
    from emergence.prompt import PromptFormat
    from emergence.toy import Corpus, CorpusConfig, ModelConfig, build_model, make_tokenizer

    cc = CorpusConfig(n_words=96, successors=6, rule_prob=0.3, doc_len=12, doc_min=3, class_docs=0.2)
    corpus, tok = Corpus(cc), make_tokenizer(cc)
    rng = np.random.default_rng(0)
    pool = [tasks.GENERATORS["rule_mc"](corpus, rng, context=4) for _ in range(1024)]
    enc = encode_examples(tok, pool, PromptFormat(" ", " | ", ""))
    model = get_peft_model(build_model(cc, ModelConfig(arch="llama", n_layer=2, n_embd=64, n_head=4), 0),
                           LoraConfig(r=8, lora_alpha=16, task_type="CAUSAL_LM"))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=0.005)
    model.train()
    t0 = time.perf_counter()
    for _ in range(100):
        make_batch(tok, rng, 2, 32, enc)
    print(f"make_batch (32 sequences): {(time.perf_counter() - t0) * 10:.2f} ms")
    sizes, ms = [int(b) for b in a.batches.split(",")], []
    for b in sizes:
        x, y, m = make_batch(tok, rng, 2, b, enc)
        for i in range(a.steps + 3):  # 3 warm-up steps
            if i == 3:
                t0 = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            model(input_ids=x, attention_mask=m, labels=y).loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
        ms.append((time.perf_counter() - t0) * 1000 / a.steps)
        print(f"batch {b:4d} x {x.shape[1]} tokens: {ms[-1]:7.2f} ms/step", flush=True)
    # the smallest three sizes: large batches leave the cache and cost more than linear
    per_seq, fixed = np.polyfit(sizes[:3], ms[:3], 1)
    print(f"fit: {fixed:.2f} ms fixed + {per_seq:.3f} ms per sequence; at batch 32 the fixed part is "
          f"{fixed / (fixed + 32 * per_seq):.0%} of a step")
    print(f"K adapters of batch 32 in one forward: at best {max(32 * per_seq, 0):.1f} ms per adapter-step "
          f"instead of {ms[0]:.1f} (batch 768 = 24 adapters: {ms[-1] / (sizes[-1] / 32):.1f})")


if __name__ == "__main__":
    main()
