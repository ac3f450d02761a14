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


@torch.no_grad()
def test_an_adapter_that_replaces_whole_modules_leaves_the_next_one_a_clean_base(tmp_path):
    from peft import LoraConfig, get_peft_model

    base, adapters = _checkpoint_and_adapters(tmp_path, n=1)
    cc = CorpusConfig(n_words=24, successors=4)
    torch.manual_seed(5)
    pm = get_peft_model(build_model(cc, ModelConfig(arch="llama", n_layer=1, n_embd=32, n_head=2), seed=0),
                        LoraConfig(r=2, lora_alpha=4, init_lora_weights=False, task_type="CAUSAL_LM",
                                   modules_to_save=["post_attention_layernorm"]))
    for n, p in pm.named_parameters():  # make the saved copy differ from the base's module
        if "modules_to_save" in n:
            p.add_(0.5)
    pm.save_pretrained(tmp_path / "mts")
    x = torch.randint(3, 27, (2, 8))
    host = models.AdapterHost(base)
    order = [str(tmp_path / "mts"), adapters[0], None]
    got = [host.model(a)(input_ids=x).logits for a in order]
    want = [models.load_model(base, adapter=a)(input_ids=x).logits for a in order]
    for g, w in zip(got, want):
        assert torch.equal(g, w)


@torch.no_grad()
def test_a_prefix_tuning_adapter_is_applied_unmerged_and_the_next_adapter_sees_a_clean_base(tmp_path):
    from peft import PrefixTuningConfig, get_peft_model

    base, adapters = _checkpoint_and_adapters(tmp_path, n=1)
    cc = CorpusConfig(n_words=24, successors=4)
    torch.manual_seed(6)
    pm = get_peft_model(build_model(cc, ModelConfig(arch="llama", n_layer=1, n_embd=32, n_head=2), seed=0),
                        PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=4))
    pm.save_pretrained(tmp_path / "prefix")
    x = torch.randint(3, 27, (2, 8))
    host = models.AdapterHost(base)
    order = [str(tmp_path / "prefix"), adapters[0], None, str(tmp_path / "prefix")]
    got = [host.model(a)(input_ids=x).logits for a in order]
    want = [models.load_model(base, adapter=a)(input_ids=x).logits for a in order]
    for g, w in zip(got, want):
        assert torch.equal(g, w)
    assert not torch.equal(got[0], got[2])  # the prefix changes the outputs
