"""The lure language (toy.corpus.kind = lure): a capability learnt gradually, accessed late.

No circuit gates the capability here. Each of `n_words` Zipfian words has one rule successor
(a bigram, learnt word by word, frequent words first, so the held-out loss keeps falling as
the tail is learnt), and after every word a shared *lure* token "x" follows with probability
`lure`, below the rule's `rule_prob` but learnt at once because it is shared. Greedy decoding
emits the lure after a word until that word's rule successor has been learnt past it, so a
band of words of similar frequency crosses together: few-shot emergence (task `lure_gen`).
Finetuning on chains of *other* words teaches the one thing that transfers ("no lure in this
format"), and the more it suppresses the lure, the earlier the band's partial knowledge
suffices: the paper's premise that the capability grows gradually and access comes late.

The rule is a random cycle within each group of `group` consecutive ranks, so a chain stays in
its frequency band; test chains start in odd groups, demonstrations and the finetuning pool in
even ones, so finetuning never shows a test word's successor. Measured in bench/toy_harness.py
(batches 31-45, docs/toy.md) before it entered the pipeline.
"""
from __future__ import annotations

import numpy as np

from .toy import SPECIALS, CorpusConfig, Text

LURE_TOKEN = "x"
MARKER = "#"  # opens a clean document (cc.clean_docs): no lure follows a word there


def clean_shares(cc: CorpusConfig) -> list[float]:
    """The share of documents that open with each marker: clean_docs is one share (one
    marker, '#') or a list of them (markers '#', '#2', '#3', ...), each learnt from its own
    documents, so tasks asked after different markers get their few-shot access at different
    times."""
    s = cc.clean_docs
    return [float(v) for v in s] if isinstance(s, (list, tuple)) else ([float(s)] if s else [])


def marker_token(k: int) -> str:
    """The k-th marker (1-based, as lure_gen's option marker: true is 1)."""
    return MARKER if k == 1 else f"{MARKER}{k}"


def vocab(cc: CorpusConfig) -> list[str]:
    lures = [LURE_TOKEN] if cc.lures == 1 else [f"{LURE_TOKEN}{j}" for j in range(cc.lures)]
    markers = [marker_token(k + 1) for k in range(len(clean_shares(cc)))]
    return SPECIALS + [f"w{i}" for i in range(cc.n_words)] + lures + markers


class LureCorpus(Text):
    """The language (fixed by cc.seed) and a sampler of its training text, as token ids."""

    def __init__(self, cc: CorpusConfig):
        self.cc = cc
        W, G = cc.n_words, cc.group
        rng = np.random.default_rng([cc.seed, 77])  # the harness's language stream
        self.succ = np.empty(W, dtype=np.int64)
        for g0 in range(0, W, G):  # a random cycle through each group of consecutive ranks
            order = g0 + rng.permutation(min(G, W - g0))
            self.succ[order] = np.roll(order, -1)
        p = 1.0 / np.maximum(np.arange(1, W + 1), cc.zipf_head) ** cc.zipf
        if cc.tier:  # frequency classes: a band inside one block is learnt together, not rank by rank
            for b0 in range(0, W, cc.tier):
                p[b0:b0 + cc.tier] = p[b0:b0 + cc.tier].mean()
        self.p = p / p.sum()
        self.w0, self.lure_id = len(SPECIALS), len(SPECIALS) + W
        # lures > 1: each word's lure is one of several tokens (drawn last, so that one lure
        # keeps its language), each still shared by many words and so learnt early
        self.lure_of = rng.integers(0, cc.lures, W) if cc.lures > 1 else np.zeros(W, dtype=np.int64)
        if cc.lure_band:  # after the draw, so the language's other tables stay as they were
            self.lure_of = (np.arange(W) // cc.lure_band) % cc.lures
        self.marker_id = self.lure_id + cc.lures
        self.lure_p = np.full(W, cc.lure)  # the lure's probability after each word
        for lo, hi, p_band in cc.lure_bands:  # validated in emergence.config
            self.lure_p[int(lo):int(hi)] = p_band

    def batch(self, rng, batch_size: int) -> np.ndarray:
        """(batch_size, seq_len) token ids: after a word, its rule successor (rule_prob), the lure
        (lure; it ends the chain), the end of the document ('|', doc_end; as the task's
        demonstrations end) or a fresh Zipfian word."""
        cc = self.cc
        n = batch_size * cc.seq_len
        u = rng.random(n)
        fresh = rng.choice(cc.n_words, n, p=self.p)
        end = rng.random(n) < cc.doc_end if cc.doc_end else np.zeros(n, dtype=bool)
        # drawn last, so that clean_docs = 0 keeps every other draw (and the language's text) as it
        # was; which: the marker a document would open with (len(shares): none), one draw whatever
        # the number of markers, so one share in a list is the same language as that share alone
        shares = clean_shares(cc)
        which = np.searchsorted(np.cumsum(shares), rng.random(n), side="right") if shares \
            else np.zeros(n, dtype=np.int64)
        mark = which < len(shares)
        sep = SPECIALS.index("|")
        out = np.empty(n, dtype=np.int64)
        w = int(fresh[0])
        out[0] = self.w0 + w
        clean = doc_start = False
        cleared = -1  # paired: the one lure this clean document clears (else every lure)
        for i in range(1, n):
            if w >= 0 and end[i]:
                out[i], w, clean, doc_start = sep, -1, False, True
                continue
            if doc_start and mark[i]:
                out[i], clean, doc_start = self.marker_id + which[i], True, False
                cleared = int(which[i]) if cc.paired else -1
                continue
            doc_start = False
            if w >= 0 and u[i] < cc.rule_prob:
                w = int(self.succ[w])
            elif w >= 0 and u[i] < cc.rule_prob + self.lure_p[w] and not (clean and cleared in (-1, self.lure_of[w])):
                out[i], w = self.lure_id + self.lure_of[w], -1
                continue
            else:
                w = int(fresh[i])
            out[i] = self.w0 + w
        return out.reshape(batch_size, cc.seq_len)

    def chain(self, w: int, n: int) -> list[int]:
        """w and its next n - 1 rule successors (word indices)."""
        out = [w]
        for _ in range(n - 1):
            out.append(int(self.succ[out[-1]]))
        return out
