"""A facts language for the issue-15 harness (research, not yet in the pipeline).

Pretraining text states facts "e r v" (entity, relation, value); entities are Zipfian, so
the model learns facts gradually, frequent entities first, and the held-out loss keeps
falling at a steady rate as the tail is learnt (what LLM corpora have and the rule language
lacks). A small share of documents are quizzes "e r = v": the answer one token further from
its cues, so answering a quiz needs a look-back that pretraining learns only from the rare
quizzes (late access). Task `fact_quiz` asks quizzes about *test* entities; few-shot
demonstrations and the finetuning pool use the other entities, so finetuning can teach the
format but never the answers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emergence import tasks as T
from emergence.toy import SPECIALS, word_tokenizer


@dataclass
class FactsConfig:
    n_entities: int = 512
    n_relations: int = 4
    n_values: int = 8
    zipf: float = 1.0
    quiz_docs: float = 0.04
    quiz_gap: int = 1
    quiz_entities: str = "all"  # "even": pretraining quizzes only about the pool's entities
    name_tokens: int = 1  # 2: an entity is named by two tokens (first, last) from sqrt(n_entities) each
    statements: tuple = (2, 5)  # statements per document
    seq_len: int = 96
    seed: int = 0


class FactsCorpus:
    def __init__(self, fc: FactsConfig):
        self.fc = fc
        rng = np.random.default_rng([fc.seed, 99])
        self.table = rng.integers(0, fc.n_values, (fc.n_entities, fc.n_relations))
        p = 1.0 / np.arange(1, fc.n_entities + 1) ** fc.zipf
        self.p = p / p.sum()
        self.side = int(round(fc.n_entities ** 0.5))
        names = ([f"e{i}" for i in range(fc.n_entities)] if fc.name_tokens == 1 else
                 [f"f{i}" for i in range(self.side)] + [f"l{i}" for i in range(self.side)])
        self.vocab = (SPECIALS + names + [f"r{j}" for j in range(fc.n_relations)]
                      + [f"v{k}" for k in range(fc.n_values)] + ["="])
        self.id = {t: i for i, t in enumerate(self.vocab)}

    def tokenizer(self):
        return word_tokenizer(self.vocab)

    def _fact(self, e, r):
        """(cue ids, value id); with one relation the statement is the bigram "e v", which a
        model learns without any attention circuit."""
        cue = [self.id[t] for t in self.name(e).split()] + ([self.id[f"r{r}"]] if self.fc.n_relations > 1 else [])
        return cue, self.id[f"v{self.table[e, r]}"]

    def name(self, e) -> str:
        if self.fc.name_tokens == 1:
            return f"e{e}"
        return f"f{e // self.side} l{e % self.side}"

    def draw(self, rng, which: str, lo: int = 0, hi: int | None = None) -> int:
        """An entity by corpus frequency among `which` (all, even, odd) in [lo, hi)."""
        i = np.arange(self.fc.n_entities)
        ok = (i >= lo) & (i < (hi or self.fc.n_entities))
        if which != "all":
            ok &= (i % 2) == (which == "odd")
        p = np.where(ok, self.p, 0.0)
        return int(rng.choice(self.fc.n_entities, p=p / p.sum()))

    def batch(self, rng, batch_size: int) -> np.ndarray:
        fc = self.fc
        sep, eq = self.id["|"], self.id["="]
        out = np.empty((batch_size, fc.seq_len), dtype=np.int64)
        for i in range(batch_size):
            row = []
            while len(row) < fc.seq_len:
                if rng.random() < fc.quiz_docs:
                    e = self.draw(rng, "even" if fc.quiz_entities == "even" else "all")
                    q, v = self._fact(e, rng.integers(fc.n_relations))
                    row += q + [eq] * fc.quiz_gap + [v]
                else:
                    n = rng.integers(fc.statements[0], fc.statements[1] + 1)
                    for e, r in zip(rng.choice(fc.n_entities, n, p=self.p), rng.integers(0, fc.n_relations, n)):
                        q, v = self._fact(e, r)
                        row += q + [v]
                row.append(sep)
            out[i] = row[:fc.seq_len]
        return out


@T.generator("fact_quiz")
def fact_quiz(corpus: FactsCorpus, rng, split: str = "test", lo: int = 0, hi: int | None = None,
              weights: str = "uniform", **_) -> dict:
    """A quiz on a test entity (odd index in [lo, hi)) or, for demonstrations and the
    finetuning pool, on any even-index entity; entities uniform or by corpus frequency
    (weights "zipf"). Choices: every value (chance 1/n_values)."""
    fc = corpus.fc
    if weights == "zipf":
        e = corpus.draw(rng, "odd", lo, hi) if split == "test" else corpus.draw(rng, "even")
    elif split == "test":
        e = 2 * rng.integers(lo // 2, (hi or fc.n_entities) // 2) + 1
    else:
        e = 2 * rng.integers(0, fc.n_entities // 2)
    r = int(rng.integers(fc.n_relations))
    ctx = corpus.name(e) + (f" r{r}" if fc.n_relations > 1 else "") + " =" * fc.quiz_gap
    return {"context": ctx, "target": f"v{corpus.table[e, r]}", "choices": [f"v{k}" for k in range(fc.n_values)],
            "label": int(corpus.table[e, r])}
