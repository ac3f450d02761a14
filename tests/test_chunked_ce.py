"""The chunked pretraining loss is transformers' loss: same value and gradients, any chunk size."""
import pytest
import torch

from emergence.chunked_ce import lm_loss
from emergence.toy import CorpusConfig, ModelConfig, build_model


@pytest.mark.parametrize("arch", ["llama", "gpt2"])
@pytest.mark.parametrize("chunk", [7, 64, 1000])
def test_chunked_loss_matches_transformers(arch, chunk):
    model = build_model(CorpusConfig(n_words=200, successors=4), ModelConfig(arch=arch, n_layer=1, n_embd=16,
                                                                              n_head=2), seed=0)
    x = torch.randint(3, 200, (4, 11), generator=torch.Generator().manual_seed(0))
    out = []
    for f in (lambda: model(input_ids=x, labels=x).loss, lambda: lm_loss(model, x, chunk)):
        model.zero_grad()
        loss = f()
        loss.backward()
        out.append((loss.detach(), {n: p.grad.clone() for n, p in model.named_parameters()}))
    (l0, g0), (l1, g1) = out
    assert torch.allclose(l0, l1, atol=1e-5)
    assert g0.keys() == g1.keys()
    for n in g0:  # the tied embedding gets both its input and its output gradient
        assert torch.allclose(g0[n], g1[n], atol=1e-6, rtol=1e-4), n


def test_pretraining_with_loss_chunk_trains_the_same_model(tmp_path, monkeypatch):
    """toy.train.loss_chunk changes how the loss is computed, not what is learnt."""
    from transformers import AutoModelForCausalLM

    from emergence import chunked_ce
    from emergence.toy import TrainConfig, pretrain

    calls = []
    monkeypatch.setattr(chunked_ce, "lm_loss", lambda *a: calls.append(a[2]) or lm_loss(*a))

    cc, mc = CorpusConfig(n_words=40, successors=4, seq_len=24), ModelConfig(arch="llama", n_layer=1, n_embd=16,
                                                                             n_head=2)
    weights = []
    for chunk in (0, 50):
        tc = TrainConfig(steps=3, batch_size=4, warmup=1, save_steps=[3], loss_chunk=chunk)
        rec = pretrain(cc, mc, tc, str(tmp_path / f"c{chunk}"), log=lambda *_: None)
        weights.append(AutoModelForCausalLM.from_pretrained(rec[-1]["path"]).state_dict())
    assert calls == [50, 50, 50]  # the chunked loss ran, every step, only when asked for
    for n, w in weights[0].items():
        assert torch.allclose(w, weights[1][n], atol=1e-5), n


def test_two_workers_train_the_same_bits_as_one(tmp_path):
    """The toy rule gives the chunked loss a second core: the checkpoints must not depend on it."""
    from transformers import AutoModelForCausalLM

    from emergence.toy import TrainConfig, pretrain

    cc, mc = CorpusConfig(n_words=300, successors=4, seq_len=24), ModelConfig(arch="llama", n_layer=1, n_embd=16,
                                                                              n_head=2)
    tc = TrainConfig(steps=3, batch_size=8, warmup=1, save_steps=[3], loss_chunk=16)
    weights = [AutoModelForCausalLM.from_pretrained(pretrain(cc, mc, tc, str(tmp_path / f"w{w}"), log=lambda *_: None,
                                                             workers=w)[-1]["path"]).state_dict() for w in (1, 2)]
    for n, w in weights[0].items():
        assert torch.equal(w, weights[1][n]), n
