"""Loading checkpoints for every model stage: device, dtype, model (with an adapter merged)
and tokenizer (with a pad token). evaluate, passuntil and pretrain_loss load through here;
finetune loads its trainable copy in the checkpoint's own dtype (see emergence.finetune)."""
from __future__ import annotations


def pick_device(want: str = "auto") -> str:
    """'auto' -> cuda when a GPU is visible, else cpu; anything else is used as given."""
    if want != "auto":
        return want
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def pick_dtype(device: str, want: str = "auto"):
    """bf16 on a GPU that supports it (half the memory, tensor cores), fp32 on CPU."""
    import torch

    if want != "auto":
        return getattr(torch, want)
    if device.startswith("cuda") and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float32


def load_model(path: str, revision: str | None = None, adapter: str | None = None,
               dtype: str = "auto", device: str = "cpu", trust_remote_code: bool = False):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(path, revision=revision, dtype=pick_dtype(device, dtype),
                                                 trust_remote_code=trust_remote_code)
    if adapter:
        from peft import PeftModel

        # merge so that lm-eval sees a plain causal LM, and inference costs no extra matmuls
        model = PeftModel.from_pretrained(model, adapter).merge_and_unload()
    return model.to(device).eval()


def load_tokenizer(path: str, revision: str | None = None, use_fast: bool = True,
                   trust_remote_code: bool = False):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path, revision=revision, use_fast=use_fast,
                                        trust_remote_code=trust_remote_code)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok
