"""The embedded toy checkpoint series: a generated corpus and tiny GPT-2 models.

The corpus mixes two kinds of sequences:
- "language": a Markov chain over words (order 2 by default) whose successors are drawn
  with Zipfian weights, so the contexts of rare words are rare and learned late and the
  loss keeps falling smoothly. Order 2 needs a previous-token head, half of induction.
- "kv lists": k v k v ... where each document binds a few keys to random values and keys
  repeat with the same value. Predicting a repeated key's value needs in-context recall
  (an induction circuit): the capability the toy tasks probe. NOTE (measured): at these
  sizes and <= ~1500 steps the induction circuit does NOT form (kv loss stays at the
  key-set baseline, recall at chance); see /tmp/toytune notes in the tuning report.

Everything downstream sees only ordinary `save_pretrained` checkpoints plus a tokenizer.
"""
from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict, dataclass, field

import numpy as np

SPECIALS = ["<pad>", "<eos>", "|"]


@dataclass
class CorpusConfig:
    n_words: int = 128
    n_keys: int = 24
    n_values: int = 16
    order: int = 2               # Markov order of the language (2: needs a previous-token head)
    successors: int = 4          # next-word candidates per context
    dirichlet: float = 0.5       # concentration of each context's next-word distribution
    zipf: float = 1.0            # exponent of the word frequencies successors are drawn from
    kv_fraction: float = 0.2     # share of sequences that are key-value lists
    kv_keys_min: int = 4         # keys bound per kv document
    kv_keys_max: int = 10
    seq_len: int = 96
    seed: int = 0


def vocab(cc: CorpusConfig) -> list[str]:
    return (SPECIALS + [f"w{i}" for i in range(cc.n_words)] + [f"k{i}" for i in range(cc.n_keys)]
            + [f"v{i}" for i in range(cc.n_values)])


def make_tokenizer(cc: CorpusConfig):
    """A word-level HF tokenizer: whitespace-separated symbols, one id each."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    tk = Tokenizer(models.WordLevel({t: i for i, t in enumerate(vocab(cc))}, unk_token="<pad>"))
    tk.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=tk, pad_token="<pad>", eos_token="<eos>",
                                   model_max_length=512)


class Corpus:
    """Samples token-id sequences; the language itself is fixed by `cc.seed`."""

    def __init__(self, cc: CorpusConfig):
        self.cc = cc
        v = vocab(cc)
        self.ids = {t: i for i, t in enumerate(v)}
        self.w0, self.k0, self.v0 = self.ids["w0"], self.ids["k0"], self.ids["v0"]
        rng = np.random.default_rng(cc.seed)
        W, S = cc.n_words, cc.successors
        zipf = 1.0 / np.arange(1, W + 1) ** cc.zipf
        self.zipf_p = zipf / zipf.sum()
        # each context's successors: S distinct words drawn with Zipfian weights (Gumbel
        # top-k), so common words stay common and the contexts of rare words are rare and
        # learned late: the loss keeps falling smoothly instead of plateauing
        n_ctx = W ** cc.order
        g = np.log(self.zipf_p) + rng.gumbel(size=(n_ctx, W))
        self.succ = np.argpartition(-g, S - 1, axis=1)[:, :S]
        self.succ_cum = np.cumsum(rng.dirichlet([cc.dirichlet] * S, size=n_ctx), axis=1)

    def language(self, rng, b: int, n: int) -> np.ndarray:
        """b sequences of n words, sampled position by position (vectorised over the batch)."""
        W, order = self.cc.n_words, self.cc.order
        out = np.empty((b, n + order), dtype=np.int64)
        out[:, :order] = rng.choice(W, (b, order), p=self.zipf_p)
        for i in range(order, n + order):
            ctx = out[:, i - 1] if order == 1 else out[:, i - 2] * W + out[:, i - 1]
            j = (rng.random(b)[:, None] > self.succ_cum[ctx]).sum(1).clip(max=self.cc.successors - 1)
            out[:, i] = self.succ[ctx, j]
        return out[:, order:] + self.w0

    def kv_list(self, rng, n: int) -> np.ndarray:
        cc = self.cc
        n_bound = rng.integers(cc.kv_keys_min, cc.kv_keys_max + 1)
        keys = rng.choice(cc.n_keys, n_bound, replace=False)
        values = rng.integers(0, cc.n_values, n_bound)
        pick = rng.integers(0, n_bound, (n + 1) // 2)
        seq = np.stack([keys[pick] + self.k0, values[pick] + self.v0], axis=1).reshape(-1)
        return seq[:n]

    def batch(self, rng, batch_size: int) -> np.ndarray:
        n = self.cc.seq_len
        out = self.language(rng, batch_size, n)
        for i in np.flatnonzero(rng.random(batch_size) < self.cc.kv_fraction):
            out[i] = self.kv_list(rng, n)
        return out

    def text(self, seq: np.ndarray) -> str:
        v = vocab(self.cc)
        return " ".join(v[i] for i in seq)


@dataclass
class ModelConfig:
    n_layer: int = 2
    n_embd: int = 64
    n_head: int = 4
    n_positions: int = 256
    # "gpt2" (learned positions) or "llama" (rotary positions: position-offset heads such as
    # the previous-token head form ~4x sooner, measured on a repeated-sequence copy task)
    arch: str = "gpt2"


@dataclass
class TrainConfig:
    steps: int = 850
    batch_size: int = 32
    lr: float = 2e-3
    warmup: int = 100
    weight_decay: float = 0.01
    betas: tuple = (0.9, 0.98)
    save_steps: list = field(default_factory=list)
    seed: int = 0


def build_model(cc: CorpusConfig, mc: ModelConfig, seed: int):
    import torch

    torch.manual_seed(seed)
    n_vocab = len(vocab(cc))
    if mc.arch == "llama":
        from transformers import LlamaConfig, LlamaForCausalLM

        cfg = LlamaConfig(vocab_size=n_vocab, hidden_size=mc.n_embd, intermediate_size=4 * mc.n_embd,
                          num_hidden_layers=mc.n_layer, num_attention_heads=mc.n_head,
                          num_key_value_heads=mc.n_head, max_position_embeddings=mc.n_positions,
                          tie_word_embeddings=True, bos_token_id=1, eos_token_id=1, pad_token_id=0)
        return LlamaForCausalLM(cfg)
    from transformers import GPT2Config, GPT2LMHeadModel

    cfg = GPT2Config(vocab_size=n_vocab, n_positions=mc.n_positions, n_embd=mc.n_embd,
                     n_layer=mc.n_layer, n_head=mc.n_head, resid_pdrop=0.0, embd_pdrop=0.0,
                     attn_pdrop=0.0, bos_token_id=1, eos_token_id=1, pad_token_id=0)
    return GPT2LMHeadModel(cfg)


def pretrain(cc: CorpusConfig, mc: ModelConfig, tc: TrainConfig, out_dir: str, log=print) -> list[dict]:
    """Train one model size and save a checkpoint at every step in `tc.save_steps`.

    Returns one record per checkpoint (step, params, tokens, flops, path). Each checkpoint
    directory carries the full training config (nanoGPT style) in `train_config.json`.
    """
    import torch

    torch.set_num_threads(1)
    corpus = Corpus(cc)
    tok = make_tokenizer(cc)
    model = build_model(cc, mc, tc.seed)
    params = sum(p.numel() for p in model.parameters())
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": tc.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=tc.lr, betas=tuple(tc.betas))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / tc.warmup))
    rng = np.random.default_rng([tc.seed, 1])  # the data stream; the language itself is cc.seed
    save = set(tc.save_steps)
    records, t0 = [], time.time()
    tokens_per_step = tc.batch_size * cc.seq_len
    model.train()
    for step in range(1, tc.steps + 1):
        x = torch.from_numpy(corpus.batch(rng, tc.batch_size))
        loss = model(input_ids=x, labels=x).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 50 == 0 or step == tc.steps:
            el = time.time() - t0
            log(f"step {step}/{tc.steps} loss {loss.item():.4f} "
                f"elapsed {el:.0f}s eta {el / step * (tc.steps - step):.0f}s")
        if step in save:
            path = os.path.join(out_dir, f"step{step}")
            model.save_pretrained(path)
            tok.save_pretrained(path)
            tokens = step * tokens_per_step
            with open(os.path.join(path, "train_config.json"), "w") as f:
                json.dump({"corpus": asdict(cc), "model": asdict(mc), "train": asdict(tc),
                           "step": step, "tokens": tokens}, f, indent=1)
            records.append({"step": step, "params": params, "tokens": tokens,
                            "flops": 6.0 * params * tokens, "path": path})
    return records


def heldout_texts(cc: CorpusConfig, n_sequences: int, seed: int) -> list[str]:
    """Held-out corpus text (same language, a data stream disjoint from training's)."""
    corpus = Corpus(cc)
    rng = np.random.default_rng([seed, 2])
    return [corpus.text(seq) for seq in corpus.batch(rng, n_sequences)]


def chance_floor_loss(cc: CorpusConfig) -> float:
    """log |V|: the loss of a uniform model, a sanity bound for tests."""
    return math.log(len(vocab(cc)))
