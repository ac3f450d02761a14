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

        model = PeftModel.from_pretrained(model, adapter)
        if not model.peft_config["default"].is_prompt_learning:  # prefixes cannot be merged
            # merge so that lm-eval sees a plain causal LM, and inference costs no extra matmuls
            model = model.merge_and_unload()
    return model.to(device).eval()


def load_tokenizer(path: str, revision: str | None = None, use_fast: bool = True,
                   trust_remote_code: bool = False):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path, revision=revision, use_fast=use_fast,
                                        trust_remote_code=trust_remote_code)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


class AdapterHost:
    """One base checkpoint in memory, its LoRA adapters merged into it in turn (issue 17);
    prefix-tuning adapters are wrapped around it unmerged.

    Loading the base per adapter re-reads the checkpoint for every finetuned model (~48 per
    checkpoint at the paper's grid; a 7B base is 14 GB in bf16). Here the base is loaded
    once; `model(adapter)` first puts back the weights the previous adapter changed (exact
    copies kept aside, only of the layers an adapter touches), then merges the new one with
    peft exactly as the load-per-adapter path does (merge_and_unload). Numbers are therefore
    bitwise those of that path, not merely close (tests/test_evaluate_adapters.py), and
    inference costs no extra matmuls. `model(None)` is the base itself."""

    def __init__(self, path: str, revision: str | None = None, device: str = "cpu",
                 trust_remote_code: bool = False):
        self.args = dict(path=path, revision=revision, device=device, trust_remote_code=trust_remote_code)
        self.base = load_model(**self.args)
        self.saved = {}  # module name -> its original weight (and bias), for every merged layer
        self.stale = False  # an adapter replaced whole modules (modules_to_save) or wrapped the base (prefix)

    def _restore(self):
        if self.stale:  # prefix tuning, or adapters from elsewhere; the LoRA grid never does this
            self.base, self.saved, self.stale = load_model(**self.args), {}, False
            return
        for name, tensors in self.saved.items():
            mod = self.base.get_submodule(name)
            for attr, t in tensors.items():
                getattr(mod, attr).data.copy_(t)

    def model(self, adapter: str | None = None):
        self._restore()
        if adapter is None:
            return self.base
        from peft import PeftConfig, PeftModel

        if PeftConfig.from_pretrained(adapter).is_prompt_learning:
            # prefix tuning cannot be merged: the wrapped model prepends its trained keys and
            # values at every forward; the base is reloaded before the next adapter
            self.stale = True
            return PeftModel.from_pretrained(self.base, adapter).eval()
        peft = PeftModel.from_pretrained(self.base, adapter)
        for name, mod in peft.base_model.model.named_modules():
            if hasattr(mod, "original_module"):  # a modules_to_save copy: merging swaps it in
                self.stale = True
            if hasattr(mod, "base_layer") and name not in self.saved:
                layer = mod.base_layer
                self.saved[name] = {a: getattr(layer, a).detach().clone()
                                    for a in ("weight", "bias") if getattr(layer, a, None) is not None}
        self.base = peft.merge_and_unload()
        return self.base.eval()
