"""Recipes: typed, defaults filled, unknown keys refused; steps scale with D within bounds."""
import pytest

from emergence.recipe import Lora, Recipe


def test_defaults_and_steps():
    r = Recipe.from_config({"kind": "lora"})
    assert r.lora == Lora() and r.lr == 3e-3
    custom = Recipe.from_config({"kind": "full", "epochs": 8, "batch_size": 32, "min_steps": 8, "max_steps": 256})
    assert [custom.n_steps(d) for d in (2, 32, 1024, 4096)] == [8, 8, 256, 256]
    assert custom.n_steps(512) == 128


@pytest.mark.parametrize("spec,word", [
    ({"kind": "lora", "learning_rate": 0.1}, "learning_rate"),
    ({"kind": "lora", "lora": {"rank": 8}}, "rank"),
    ({"kind": "prompt"}, "kind"),
    ({"kind": "prefix", "prefix": 8}, "prefix"),
    ({"kind": "lora", "min_steps": 9, "max_steps": 3}, "min_steps"),
    ({"kind": "lora", "target_delimiter": " "}, "target_delimiter"),
])
def test_bad_recipes_are_refused_naming_the_key(spec, word):
    with pytest.raises(ValueError, match=word):
        Recipe.from_config(spec, "finetune.methods.x")


def test_shipped_recipes_load():
    import glob
    import os

    import yaml

    from conftest import REPO
    for path in [os.path.join(REPO, "config.yaml"), *glob.glob(os.path.join(REPO, "configs", "*.yaml"))]:
        ft = yaml.safe_load(open(path)).get("finetune") or {}
        for name, spec in {**ft.get("methods", {}), **(ft.get("compare") or {}).get("methods", {})}.items():
            assert Recipe.from_config(spec, name).kind in ("lora", "prefix", "full")


def test_default_schedule_is_constant_and_warmup_linear_cosine_decay():
    from emergence.recipe import Recipe

    r = Recipe()
    assert [r.lr_factor(s, 10) for s in range(10)] == [1.0] * 10
    c = Recipe(lr_schedule="cosine", warmup_steps=2)
    f = [c.lr_factor(s, 10) for s in range(10)]
    assert f[:2] == [0.5, 1.0] and abs(f[2] - 1.0) < 1e-12 and f[-1] < 0.05
    assert all(a >= b for a, b in zip(f[1:], f[2:]))
    inv = Recipe(lr_schedule="inverse", lr_t0=2, warmup_steps=1)
    assert [inv.lr_factor(s, 100) for s in (1, 3, 7)] == [1.0, 0.5, 0.25]  # whatever the run's length
    lin = Recipe(lr_schedule="linear")
    assert lin.lr_factor(0, 4) == 1.0 and lin.lr_factor(2, 4) == 0.5


def test_unknown_schedule_is_refused():
    import pytest

    from emergence.recipe import Recipe

    with pytest.raises(ValueError, match="lr_t0"):
        Recipe.from_config({"kind": "lora", "lr_schedule": "inverse", "lr_t0": 0})
    with pytest.raises(ValueError, match="lr_schedule"):
        Recipe.from_config({"kind": "lora", "lr_schedule": "step"})


def test_micro_batches_give_the_single_pass_gradient():
    import contextlib

    import torch

    from emergence.finetune import accumulate
    from emergence.toy import CorpusConfig, ModelConfig, build_model

    model = build_model(CorpusConfig(n_words=24, successors=4), ModelConfig(arch="llama", n_layer=1, n_embd=32,
                                                                            n_head=2), seed=0)
    g = torch.Generator().manual_seed(0)
    x = torch.randint(3, 27, (8, 10), generator=g)
    y = torch.full_like(x, -100)
    for i in range(8):  # a different number of answer tokens per sequence, as k-shot batches have
        y[i, 10 - 1 - i % 3:] = x[i, 10 - 1 - i % 3:]
    m = torch.ones_like(x)
    model.zero_grad()
    model(input_ids=x, attention_mask=m, labels=y).loss.backward()
    want = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    accumulate(model, x, y, m, 3, "cpu", contextlib.nullcontext())
    for w, p in zip(want, model.parameters()):
        assert torch.allclose(w, p.grad, atol=1e-6, rtol=1e-4)


def test_a_bad_micro_batch_is_one_clear_error(tmp_path):
    import pytest

    from emergence.finetune import finetune
    from emergence.recipe import Recipe

    with pytest.raises(ValueError, match="micro_batch"):
        finetune(str(tmp_path), [], str(tmp_path / "out"), Recipe(), 1, 0, micro_batch=-2)


@pytest.mark.parametrize("arch,kind", [("llama", "lora"), ("llama", "prefix"), ("gpt2", "full")])
def test_answer_loss_is_transformers_loss_with_fewer_logits(arch, kind):
    """Finetuning computes logits only where an answer token is next: the loss and every
    trainable gradient must be transformers' own (right-padded rows included)."""
    import torch
    from peft import LoraConfig, PrefixTuningConfig, get_peft_model

    from emergence.finetune import answer_loss, slices_logits
    from emergence.toy import CorpusConfig, ModelConfig, build_model

    model = build_model(CorpusConfig(n_words=24, successors=4), ModelConfig(arch=arch, n_layer=1, n_embd=32,
                                                                            n_head=2), seed=0)
    if kind == "lora":
        model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, task_type="CAUSAL_LM"))
    elif kind == "prefix":
        model = get_peft_model(model, PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=3))
    assert slices_logits(model)
    g = torch.Generator().manual_seed(1)
    x = torch.randint(3, 27, (6, 12), generator=g)
    y, m = torch.full_like(x, -100), torch.ones_like(x)
    for i in range(6):  # answers at different places; the last rows padded at the end
        n = 12 - i % 3
        m[i, n:], x[i, n:] = 0, 0
        y[i, 2:4], y[i, n - 3:n] = x[i, 2:4], x[i, n - 3:n]
    params = [p for p in model.parameters() if p.requires_grad]
    grads = []
    for sliced in (False, True):
        model.zero_grad()
        loss = answer_loss(model, x, y, m, sliced)
        loss.backward()
        grads.append((loss.detach(), [p.grad.clone() for p in params]))
    (l0, g0), (l1, g1) = grads
    assert torch.allclose(l0, l1, atol=1e-6)
    for a, b in zip(g0, g1):
        assert torch.allclose(a, b, atol=1e-6, rtol=1e-4)


def test_a_model_without_logits_to_keep_gets_the_labels_loss():
    """Remote-code models may not take logits_to_keep: finetuning must not pass it to them."""
    import torch

    from emergence.finetune import slices_logits

    class Plain(torch.nn.Module):
        def forward(self, input_ids=None, attention_mask=None, labels=None):
            raise AssertionError("not called")

    class Wrapped(torch.nn.Module):  # as peft wraps a model
        def get_base_model(self):
            return Plain()

    assert not slices_logits(Plain())
    assert not slices_logits(Wrapped())
