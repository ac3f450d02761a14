"""Evaluating many LoRA adapters of one checkpoint: load the base per adapter (the old path)
vs load it once and merge adapters in turn (emergence.models.AdapterHost, issue 17).

Builds a Llama-shaped model (random init, `save_pretrained`, ~134M parameters by default)
and N LoRA adapters on it, then times for each path: loading every adapter's model, and
one forward batch per adapter standing in for its evaluation (the share that is not the
forward passes is the overhead). "cold" reads drop the checkpoint's pages from the page
cache first (posix_fadvise DONTNEED, no root needed). Extrapolates the per-adapter
overhead of the old path to 7B/13B checkpoints from the measured read rate.

    python bench/bench_adapters.py [--hidden 768 --layers 12 --adapters 24 --batch 16 --seq 128]
"""
from __future__ import annotations

import argparse
import glob
import os
import tempfile
import time

os.environ.setdefault("TQDM_DISABLE", "1")  # before transformers imports tqdm
import torch  # noqa: E402


def drop_cache(folder):
    for f in glob.glob(os.path.join(folder, "*.safetensors")):
        fd = os.open(f, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--hidden", type=int, default=768)
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--vocab", type=int, default=32000)
    ap.add_argument("--adapters", type=int, default=24)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int, default=128)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    from emergence import models

    tmp = tempfile.mkdtemp(prefix="bench_adapters_")
    cfg = LlamaConfig(vocab_size=a.vocab, hidden_size=a.hidden, intermediate_size=4 * a.hidden,
                      num_hidden_layers=a.layers, num_attention_heads=a.hidden // 64,
                      num_key_value_heads=a.hidden // 64, max_position_embeddings=512)
    torch.manual_seed(0)
    base = LlamaForCausalLM(cfg)
    n_params = sum(p.numel() for p in base.parameters())
    base.save_pretrained(f"{tmp}/base")
    ckpt_bytes = sum(os.path.getsize(f) for f in glob.glob(f"{tmp}/base/*.safetensors"))
    adapters = []
    for i in range(a.adapters):
        pm = get_peft_model(LlamaForCausalLM(cfg), LoraConfig(r=8, lora_alpha=16, init_lora_weights=False,
                                                               task_type="CAUSAL_LM"))
        pm.save_pretrained(f"{tmp}/a{i}")
        adapters.append(f"{tmp}/a{i}")
    del base, pm
    x = torch.randint(0, a.vocab, (a.batch, a.seq))

    def run(path, cold):
        load = fwd = 0.0
        host = None
        for ad in adapters:
            if cold:
                drop_cache(f"{tmp}/base")
            t = time.perf_counter()
            if path == "old":
                m = models.load_model(f"{tmp}/base", adapter=ad)
            else:
                host = host or models.AdapterHost(f"{tmp}/base")
                m = host.model(ad)
            load += time.perf_counter() - t
            t = time.perf_counter()
            with torch.no_grad():
                m(input_ids=x)
            fwd += time.perf_counter() - t
        return load / len(adapters), fwd / len(adapters)

    print(f"model: {n_params / 1e6:.0f}M parameters, checkpoint {ckpt_bytes / 1e6:.0f} MB (fp32), "
          f"{a.adapters} LoRA r=8 adapters, forward batch {a.batch}x{a.seq}, 1 thread")
    res = {}
    for cold in (False, True):
        for path in ("old", "new"):
            load, fwd = run(path, cold)
            res[path, cold] = load
            print(f"{'cold' if cold else 'page-cached':11s} {path}: load {load:.3f} s/adapter, "
                  f"forward {fwd:.2f} s/adapter, overhead {100 * load / (load + fwd):.1f} % of an adapter's time")
    # the old path's extra cost per adapter is one read of the base: its cold rate, scaled by size
    rate = ckpt_bytes / max(res["old", True] - res["new", True], 1e-9)
    print(f"old path pays one base read per adapter: ~{rate / 1e6:.0f} MB/s from a cold read here")
    for name, gb in (("7B bf16", 14), ("13B bf16", 26), ("70B bf16", 140)):
        print(f"  {name}: {gb} GB per adapter at that rate = {gb * 1e9 / rate:.0f} s, x48 adapters per "
              f"checkpoint = {48 * gb * 1e9 / rate / 60:.0f} min (new path: one read)")


if __name__ == "__main__":
    main()
