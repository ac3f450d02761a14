"""A lure language for the issue-15 harness (research, not yet in the pipeline).

No circuit gates the capability here: each word has one rule successor (a bigram, learnt per
word, frequent words first: words are Zipfian, so the held-out loss keeps falling as the tail
is learnt), and after every word a shared *lure* token follows with probability `lure`,
below the rule's `rule` but learnt at once because it is shared. Greedy decoding therefore
emits the lure after a word until that word's rule successor has been learnt past it; a test
band of words of similar frequency crosses together (few-shot emergence). Finetuning on
chains of *other* words can teach the one thing that transfers: in this format, do not emit
the lure. The more it lowers the lure, the earlier the band's partial knowledge suffices,
which is the paper's premise (capability grows gradually, access is the late part).

The rule is a cycle within each group of `group` consecutive ranks, so a chain stays in its
frequency band; test chains use odd groups, demonstrations and the finetuning pool even ones.
The defaults are batch 31's; the best setting measured (batches 40-43, docs/toy.md) is
`{"n_words": 1024, "rule": 0.6, "lure": 0.25}` with `--batch 64` and a cheap LoRA recipe.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emergence import tasks as T
from emergence.toy import SPECIALS, word_tokenizer


@dataclass
class LureConfig:
    n_words: int = 512
    zipf: float = 1.0
    rule: float = 0.45
    lure: float = 0.3
    group: int = 4
    doc_end: float = 0.1  # after each word the document ends ('|') with this probability
    seq_len: int = 96
    seed: int = 0


class LureCorpus:
    def __init__(self, lc: LureConfig):
        self.lc = lc
        rng = np.random.default_rng([lc.seed, 77])
        W, G = lc.n_words, lc.group
        self.succ = np.empty(W, dtype=np.int64)
        for g0 in range(0, W, G):  # a random cycle through each group of consecutive ranks
            order = g0 + rng.permutation(min(G, W - g0))
            self.succ[order] = np.roll(order, -1)
        p = 1.0 / np.arange(1, W + 1) ** lc.zipf
        self.p = p / p.sum()
        self.vocab = SPECIALS + [f"w{i}" for i in range(W)] + ["x"]
        self.w0, self.lure_id = len(SPECIALS), len(self.vocab) - 1

    def tokenizer(self):
        return word_tokenizer(self.vocab)

    def batch(self, rng, batch_size: int) -> np.ndarray:
        lc = self.lc
        n = batch_size * lc.seq_len
        u = rng.random(n)
        fresh = rng.choice(lc.n_words, n, p=self.p)
        out = np.empty(n, dtype=np.int64)
        # drawn after the rest, and only when used, so doc_end 0 reproduces the first runs' stream
        end = rng.random(n) < lc.doc_end if lc.doc_end else np.zeros(n, dtype=bool)
        sep = SPECIALS.index("|")
        w = int(fresh[0])
        out[0] = self.w0 + w
        for i in range(1, n):
            if w >= 0 and end[i]:  # documents end after a word, as the task's demonstrations do
                out[i], w = sep, -1
                continue
            if w >= 0 and u[i] < lc.rule:
                w = int(self.succ[w])
            elif w >= 0 and u[i] < lc.rule + lc.lure:
                out[i], w = self.lure_id, -1
                continue
            else:
                w = int(fresh[i])
            out[i] = self.w0 + w
        return out.reshape(batch_size, lc.seq_len)

    def chain(self, w: int, n: int) -> list[int]:
        out = [w]
        for _ in range(n - 1):
            out.append(int(self.succ[out[-1]]))
        return out


@T.generator("lure_gen")
def lure_gen(corpus: LureCorpus, rng, split: str = "test", lo: int = 64, hi: int = 128, context: int = 1,
             span: int = 2, **_) -> dict:
    """A start word of ranks [lo, hi) (test: odd groups; demonstrations and pool: even ones), its
    first `context - 1` rule steps as context, and the next `span` rule steps (exact match)."""
    G = corpus.lc.group
    while True:
        w = int(rng.integers(lo, hi))
        if (w // G) % 2 == (split == "test"):
            break
    c = corpus.chain(w, context + span)
    return {"context": " ".join(f"w{i}" for i in c[:context]), "target": " ".join(f"w{i}" for i in c[context:])}
