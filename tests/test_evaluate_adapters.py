"""Evaluate jobs load each base checkpoint once and merge adapters in turn
(emergence.models.AdapterHost): numbers bitwise those of loading the base per adapter."""
import torch

from emergence import models
from emergence.toy import CorpusConfig, ModelConfig, build_model, make_tokenizer


def _checkpoint_and_adapters(tmp_path, n=3):
    from peft import LoraConfig, get_peft_model

    cc = CorpusConfig(n_words=24, successors=4)
    base = build_model(cc, ModelConfig(arch="llama", n_layer=1, n_embd=32, n_head=2), seed=0)
    base.save_pretrained(tmp_path / "base")
    make_tokenizer(cc).save_pretrained(tmp_path / "base")
    paths = []
    for i in range(n):  # random B (not peft's zero init), so each adapter changes the outputs
        torch.manual_seed(i)
        m = build_model(cc, ModelConfig(arch="llama", n_layer=1, n_embd=32, n_head=2), seed=0)
        r = [8, 1, 4][i % 3]
        pm = get_peft_model(m, LoraConfig(r=r, lora_alpha=2 * r, init_lora_weights=False, task_type="CAUSAL_LM"))
        pm.save_pretrained(tmp_path / f"a{i}")
        paths.append(str(tmp_path / f"a{i}"))
    return str(tmp_path / "base"), paths


@torch.no_grad()
def test_one_base_with_adapters_in_turn_equals_loading_per_adapter(tmp_path):
    base, adapters = _checkpoint_and_adapters(tmp_path)
    x = torch.randint(3, 27, (4, 12))
    host = models.AdapterHost(base)
    order = [None, *adapters, None, adapters[0]]  # back to the base and to an adapter seen before
    got = [host.model(a)(input_ids=x).logits for a in order]
    want = [models.load_model(base, adapter=a)(input_ids=x).logits for a in order]
    for g, w in zip(got, want):
        assert torch.equal(g, w)
    assert not torch.equal(want[1], want[0])  # the adapters do change the model
