"""Finetune a checkpoint on D task examples: LoRA or prefix tuning through peft, or full finetuning.

Training sequences use the evaluation's k-shot format: N+1 examples from the subset joined
by the task's few-shot delimiter, loss on every answer. Finetuned models are then scored
with the same N-shot prompt as the few-shot baseline, which is what makes "finetuning on
D examples tends to the N-shot prompt as D -> N" (SPEC) hold by construction.

Steps scale with D (epochs over the subset, clipped to [min_steps, max_steps]) so a tiny
subset nudges the model instead of overfitting it.
"""
from __future__ import annotations

import contextlib
import inspect
import json
import os
import time

import numpy as np

from emergence.recipe import Recipe



def encode_examples(tok, examples: list[dict], fmt):
    """Tokenize each example once, in its own prompt format (emergence.prompt): (context ids,
    answer ids, format) triples, and each format's delimiter and description ids."""
    from emergence import prompt

    fmts = [prompt.of_record(ex, fmt) for ex in examples]
    parts = {f: (tok(f.fewshot_delimiter, add_special_tokens=False).input_ids,
                 tok(f.description, add_special_tokens=False).input_ids if f.description else [])
             for f in set(fmts)}
    enc = [(tok(ex["context"], add_special_tokens=False).input_ids,
            tok(f.target_delimiter + ex["target"], add_special_tokens=False).input_ids, f)
           for ex, f in zip(examples, fmts)]
    return enc, parts


def make_batch(tok, rng, num_fewshot: int, batch_size: int, encoded):
    """A batch of k-shot sequences (the task's num_fewshot demonstrations, then a query),
    each in the query's format, loss on the answers only."""
    import torch

    enc, parts = encoded
    k = num_fewshot + 1
    seqs = []
    for _ in range(batch_size):
        # with replacement when the subset is smaller than one k-shot sequence
        idx = rng.choice(len(enc), k, replace=len(enc) < k)
        delim, desc = parts[enc[idx[-1]][2]]
        ids, labels = list(desc), [-100] * len(desc)
        for i, j in enumerate(idx):
            c, t, _ = enc[j]
            if i:
                ids += delim
                labels += [-100] * len(delim)
            ids += c + t
            labels += [-100] * len(c) + t
        seqs.append((ids, labels))
    width = max(len(s[0]) for s in seqs)
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    x = torch.full((len(seqs), width), pad, dtype=torch.long)
    y = torch.full((len(seqs), width), -100, dtype=torch.long)
    m = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, (a, b) in enumerate(seqs):
        x[i, :len(a)], y[i, :len(b)], m[i, :len(a)] = torch.tensor(a), torch.tensor(b), 1
    return x, y, m


def slices_logits(model) -> bool:
    """Whether the model's forward takes transformers' `logits_to_keep` (every architecture
    in transformers does; remote code may not)."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "logits_to_keep" in inspect.signature(base.forward).parameters


def answer_loss(model, x, y, m, sliced: bool = True):
    """The mean next-token loss over the answer tokens (labels other than -100), as
    `model(..., labels=y).loss`, with logits computed only at the positions whose next token
    is an answer (sliced; else as transformers computes it). The output layer costs vocabulary
    x width a position, and a k-shot sequence's contexts and delimiters need none: 1.23x a step
    at 4,096 words, nothing at 96 (bench/measured/answer_loss.txt)."""
    import torch

    if not sliced:
        return model(input_ids=x, attention_mask=m, labels=y).loss
    nxt = y[:, 1:] != -100
    keep = torch.zeros_like(y, dtype=torch.bool)
    keep[:, :-1] = nxt
    logits = model(input_ids=x, attention_mask=m, logits_to_keep=keep).logits  # (answer tokens, vocabulary)
    return torch.nn.functional.cross_entropy(logits.float(), y[:, 1:][nxt])


def accumulate(model, x, y, m, micro_batch: int, device: str, amp, sliced: bool = True):
    """One batch's gradient in chunks of micro_batch sequences. Each chunk's mean loss is
    weighted by its share of the batch's trained (answer) tokens: the sum is the batch's
    mean loss, whose gradient is the single pass's. Returns that loss (detached)."""
    import torch

    n_total = int((y[:, 1:] != -100).sum())  # the causal shift: labels from position 1 on count
    total = torch.zeros(())
    for i in range(0, len(x), micro_batch):
        xs, ys, ms = x[i:i + micro_batch], y[i:i + micro_batch], m[i:i + micro_batch]
        n = int((ys[:, 1:] != -100).sum())
        if n == 0:
            continue
        with amp:
            loss = answer_loss(model, xs.to(device), ys.to(device), ms.to(device), sliced)
        (loss * (n / n_total)).backward()
        total += loss.detach().float().cpu() * (n / n_total)
    return total


def finetune(base_path: str, subset: list[dict], out_dir: str, recipe: Recipe, num_fewshot: int, seed: int,
             revision: str | None = None, device: str = "cpu", log=print,
             trust_remote_code: bool = False, tokenizer_use_fast: bool = True, fmt=None,
             micro_batch: int | None = None) -> dict:
    """Finetune one model on `subset` with `recipe` and save it (adapter or full weights) to
    out_dir, training on num_fewshot-shot sequences in the task's format `fmt` (a
    PromptFormat; lm-eval pool records carry their own; emergence.prompt).

    micro_batch (a machine fact, from the profile's resources): split each recipe batch into
    forward/backward passes of this many sequences and accumulate, each weighted by its share
    of the batch's answer tokens, so the step equals one pass over the whole batch (to float
    rounding) in less memory. None or >= batch_size: one pass, as without it."""
    import torch
    from transformers import AutoModelForCausalLM

    from emergence.models import load_tokenizer

    r = recipe
    if micro_batch is not None and (isinstance(micro_batch, bool) or not isinstance(micro_batch, int)
                                    or micro_batch < 1):
        raise ValueError(f"resources micro_batch (profile set-resources: finetune): expected a whole number "
                         f">= 1, got {micro_batch!r}")
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    tok = load_tokenizer(base_path, revision, tokenizer_use_fast, trust_remote_code=trust_remote_code)
    model = AutoModelForCausalLM.from_pretrained(base_path, revision=revision,
                                                 trust_remote_code=trust_remote_code).to(device)
    if r.gradient_checkpointing:
        model.gradient_checkpointing_enable()
        model.config.use_cache = False
        model.enable_input_require_grads()  # frozen embeddings (LoRA) would cut the graph
    # bf16 autocast on GPUs that support it; weights and optimizer state stay fp32
    amp = torch.autocast("cuda", dtype=torch.bfloat16) if device.startswith("cuda") and torch.cuda.is_bf16_supported() \
        else contextlib.nullcontext()
    if r.kind == "lora":
        from peft import LoraConfig, get_peft_model

        lc = r.lora
        model = get_peft_model(model, LoraConfig(
            r=lc.r, lora_alpha=lc.alpha, lora_dropout=lc.dropout, task_type="CAUSAL_LM",
            target_modules=list(lc.target_modules) if lc.target_modules is not None else None))
    elif r.kind == "prefix":
        from peft import PrefixTuningConfig, get_peft_model

        model = get_peft_model(model, PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=r.prefix_tokens))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=r.lr, weight_decay=r.weight_decay)
    steps = r.n_steps(len(subset))
    # constant with no warm-up (the default) runs without a scheduler: results stay bitwise as before
    sched = None if r.lr_schedule == "constant" and not r.warmup_steps else \
        torch.optim.lr_scheduler.LambdaLR(opt, lambda s: r.lr_factor(s, steps))
    mb = micro_batch if micro_batch and micro_batch < r.batch_size else None
    sliced = slices_logits(model)
    model.train()
    t0, losses = time.time(), []
    encoded = encode_examples(tok, subset, fmt)
    for _ in range(steps):
        x, y, m = make_batch(tok, rng, num_fewshot, r.batch_size, encoded)
        opt.zero_grad(set_to_none=True)
        if mb is None:
            with amp:
                loss = answer_loss(model, x.to(device), y.to(device), m.to(device), sliced)
            loss.backward()
        else:
            loss = accumulate(model, x, y, m, mb, device, amp, sliced)
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if sched is not None:
            sched.step()
        losses.append(loss.item())
    model.save_pretrained(out_dir)
    if r.kind == "full":
        tok.save_pretrained(out_dir)
    info = {"base": base_path, "revision": revision, "kind": r.kind, "data_amount": len(subset),
            "steps": steps, "final_loss": float(np.mean(losses[-5:])), "seconds": time.time() - t0,
            "recipe": r.as_dict(), "num_fewshot": num_fewshot, "seed": seed, "micro_batch": mb}
    with open(os.path.join(out_dir, "finetune_info.json"), "w") as f:
        json.dump(info, f, indent=1, sort_keys=True)
    return info
