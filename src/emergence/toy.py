"""The embedded toy checkpoint series: a generated language and tiny GPT-2 / Llama models.

The language is a Markov chain over words with one piece of structure a model must
discover late. Every word b has a set S_b of `successors` next words, and every word a has
a class in [0, successors). The next word after (a, b) is S_b[class(a)] with probability
`rule_prob`, else uniform over S_b. So:
- knowing the bigram sets S_b gives the next word only up to 1/|S_b| (chance), and
  learning them makes the loss fall smoothly over most of training (Zipfian document-start
  words, zipf > 0, spread that descent out). Task prompts start uniformly instead: with
  Zipfian starts the predecessor's class is slightly predictable from the bigram, which
  let finetuning on large D lift weak checkpoints above chance (measured).
- using the rule needs the previous word's class, i.e. an attention head that looks one
  token back: a circuit that forms abruptly, after which the toy tasks (predict the rule's
  next word; copy the rule's 3-word continuation) leave chance. That is the capability
  whose emergence the suite predicts.
- class documents (`class_docs` > 0) are bags of words from one class. They make the
  classes learnable early without the rule, so the late, abrupt part is the look-back alone
  and pre-emergence checkpoints reach close to the emergence point in loss.

Documents are short walks joined by " | " (the few-shot delimiter), so k-shot prompts are
ordinary text. Everything downstream sees only `save_pretrained` checkpoints plus a tokenizer.
"""
from __future__ import annotations

import copy
import json
import os
import time
from dataclasses import asdict, dataclass, field

import numpy as np

SPECIALS = ["<pad>", "<eos>", "|"]


@dataclass
class CorpusConfig:
    n_words: int = 48
    successors: int = 6        # |S_b|, also the number of word classes
    rule_prob: float = 0.6     # how often the next word follows the class rule
    zipf: float = 1.0          # exponent of start-word and successor-set frequencies
    seq_len: int = 96
    seed: int = 0
    # Documents: walks of doc_min..doc_len words joined by the " | " separator (the few-shot
    # delimiter, so k-shot prompts are in-distribution text). doc_len = 0: one unbroken walk.
    doc_len: int = 12
    doc_min: int = 3
    # Share of documents that are bags of words from one class. They teach the classes
    # early, from co-occurrence alone, so what emerges late is only the look-back circuit:
    # the loss keeps falling through emergence instead of flattening just before it.
    class_docs: float = 0.0
    # Share of documents that are quizzes: a 4-word walk, "=", and the rule's next word. The
    # marker moves the answer one token away from its cues, so using the rule there needs a
    # look-back that skips it, learnt only from the rare quizzes: the format of task
    # `rule_quiz`, whose few-shot access then comes late while finetuning can teach it
    # (issue 15 research; 0 keeps the vocabulary and the data stream).
    quiz_docs: float = 0.0
    quiz_gap: int = 1  # '=' markers between a quiz's walk and its answer
    # "class": the rule picks b's successor of class(a), one look-back circuit for every pair;
    # "pair": each word b permutes which class of a picks which of its successors, a table
    # learnt word by word
    # (issue 15 research: a capability that pretraining builds gradually)
    rule: str = "class"
    # Share of the steps not taken by the rule that go to b's favoured successor S_b[top[b]]
    # (0: all uniform over S_b). Without the look-back the best guess is then that word, right
    # only at chance in task prompts (whose steps are uniform), and the rule's word wins the
    # argmax only once the learnt look-back outweighs that prior, which finetuning on the task
    # can lower (issue 15 research: it capped few-shot's height, not its timing).
    top_prior: float = 0.0
    # Share of documents in a second dialect: they start with the marker '§' and their rule
    # follows a second, per-word table (perm1), learnt only from these documents. Task option
    # dialect=1 asks in it: pretraining meets that table rarely, finetuning only (research,
    # harness only).
    dialect_docs: float = 0.0
    # Per-word rule strengths: after word b the rule applies with rule_prob * rule_spread**u_b,
    # u_b evenly spread over [-1/2, 1/2] (1: one strength for all), so each word's part of the
    # rule is learnt at its own time (research, harness only).
    rule_spread: float = 1.0
    # "walk" (this module's language) or "lure" (emergence.lure: a per-word successor learnt
    # gradually, behind a shared lure token that greedy decoding emits until it is; its fields
    # below, and rule_prob is the successor's probability)
    kind: str = "walk"
    lure: float = 0.25       # lure only: probability of the lure token after a word
    group: int = 4           # lure only: the rule cycles within groups of this many ranks
    doc_end: float = 0.1     # lure only: probability that a document ends after a word
    lures: int = 1           # lure only: distinct lure tokens, one drawn per word
    tier: int = 0            # lure only: > 0, blocks of this many ranks share one frequency (their mean)
    # lure only: > 0, the first zipf_head ranks share rank zipf_head's Zipf weight, so the head no longer
    # takes half the text and every other word comes proportionally more often (research: bands emerge in
    # fewer steps, but the late loss fall goes with them; docs/toy.md)
    zipf_head: int = 0
    # lure only: share of documents that open with the marker '#' and in which no lure follows a word
    # (its share goes to fresh words): access to the rule in that format is learnt from them alone.
    # A list: one share per marker ('#', '#2', ...), each task asked after its own (lure.clean_shares)
    clean_docs: float | tuple = 0.0
    # lure only: > 0, a word's lure is set by its rank band, (rank // lure_band) mod lures, instead
    # of drawn, so a task band has one lure (research, docs/toy.md)
    lure_band: int = 0
    # lure only: marker k clears only lure k (lures == number of markers), so each task's access
    # is learnt from its own marker's documents and cannot be shared across markers
    paired: bool = False
    # lure only: ((lo, hi, p), ...): words of ranks [lo, hi) see the lure with probability p instead of
    # `lure`, so bands of one frequency differ in their margin over the lure and so in when few-shot
    # access comes, while finetuning lifts them together (several tasks on one series; docs/toy.md)
    lure_bands: tuple = ()


QUIZ_TOKENS = ["?", "="] + [chr(ord("A") + i) for i in range(26)]


DIALECT_TOKEN = "§"


def vocab(cc: CorpusConfig) -> list[str]:
    if cc.kind == "lure":
        from . import lure

        return lure.vocab(cc)
    extra = QUIZ_TOKENS[:2 + cc.successors] if cc.quiz_docs else []
    extra += [DIALECT_TOKEN] if cc.dialect_docs else []
    return SPECIALS + [f"w{i}" for i in range(cc.n_words)] + extra


def make_tokenizer(cc: CorpusConfig):
    return word_tokenizer(vocab(cc))


def word_tokenizer(words: list[str]):
    """A word-level HF tokenizer: whitespace-separated symbols, one id each (SPECIALS first)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    tk = Tokenizer(models.WordLevel({t: i for i, t in enumerate(words)}, unk_token="<pad>"))
    tk.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=tk, pad_token="<pad>", eos_token="<eos>",
                                   model_max_length=512)


def make_corpus(cc: CorpusConfig):
    """The language cc describes: a Corpus (kind walk) or an emergence.lure.LureCorpus."""
    if cc.kind == "lure":
        from .lure import LureCorpus

        return LureCorpus(cc)
    if cc.kind != "walk":
        raise ValueError(f"toy.corpus.kind: expected 'walk' or 'lure', got {cc.kind!r}")
    return Corpus(cc)


class Text:
    """Word names and text of a toy language's token ids (every corpus kind shares them)."""

    cc: CorpusConfig

    def words(self, idx) -> list[str]:
        return [f"w{i}" for i in idx]

    def text(self, seq: np.ndarray) -> str:
        v = vocab(self.cc)
        return " ".join(v[i] for i in seq)


class Corpus(Text):
    """The language (fixed by cc.seed) and samplers of its sequences, as word indices.

    Word w has class w // M and id w % M (M = n_words / successors). S_a[j] is the class-j
    word with id (id(a) + g[class(a), j]) mod M for a random table g. Every word b then has
    exactly one predecessor of each class, so the bigram (b -> next) says nothing about the
    previous word's class: without looking back, the rule's word is at chance among S_b.
    """

    def __init__(self, cc: CorpusConfig):
        self.cc = cc
        self.w0 = len(SPECIALS)
        W, S = cc.n_words, cc.successors
        if W % S:
            raise ValueError(f"n_words ({W}) must be a multiple of successors ({S})")
        M = W // S
        rng = np.random.default_rng(cc.seed)
        g = rng.integers(0, M, (S, S))
        w = np.arange(W)
        self.cls = w // M
        j = np.arange(S)
        self.succ = j[None, :] * M + (w[:, None] % M + g[self.cls][:, j]) % M
        zipf = 1.0 / np.arange(1, W + 1) ** cc.zipf
        self.zipf_p = rng.permutation(zipf / zipf.sum())
        if cc.rule not in ("class", "pair"):
            raise ValueError(f"rule: expected 'class' or 'pair', got {cc.rule!r}")
        # perm[b, class(a)]: which of b's successors the rule picks after (a, b); a permutation
        # per b, so b's successors stay equally likely and the bigram says nothing about the
        # rule's word. Drawn last, so that class-rule languages keep their streams.
        self.perm = np.tile(np.arange(S), (W, 1))
        if cc.rule == "pair":
            self.perm = rng.permuted(self.perm, axis=1)
        # top[b]: which of b's successors the non-rule steps favour (top_prior > 0); one per
        # word, so finetuning must unlearn the prior word by word
        self.top = rng.integers(0, S, W) if cc.top_prior else np.zeros(W, dtype=np.int64)
        self.perm1 = rng.permuted(np.tile(np.arange(S), (W, 1)), axis=1) if cc.dialect_docs else self.perm
        self.rp = np.full(W, cc.rule_prob)
        if cc.rule_spread != 1:
            self.rp = np.clip(cc.rule_prob * cc.rule_spread ** rng.permutation(np.linspace(-.5, .5, W)), 0, .95)

    def rule_index(self, a, b, dialect: int = 0):
        """Which of b's successors the rule picks after (a, b) (vectorised)."""
        return (self.perm1 if dialect else self.perm)[b, self.cls[a]]

    def rule_next(self, a, b):
        """The rule's next word after (a, b)."""
        return self.succ[b, self.rule_index(a, b)]

    def _free(self, rng, prev: np.ndarray, prior: bool = True) -> np.ndarray:
        """Which successor each step after `prev` takes when the rule does not pick it. Task prompts
        (prior=False) step uniformly, so the predecessor's class stays independent of the last
        word and the prior's favourite is right only at chance."""
        j = rng.integers(0, self.cc.successors, len(prev))
        if self.cc.top_prior and prior:  # drawn only when used, so other languages keep their streams
            j = np.where(rng.random(len(prev)) < self.cc.top_prior, self.top[prev], j)
        return j

    def walk(self, rng, b: int, n: int, uniform_start: bool = False, dialect: int = 0) -> np.ndarray:
        """b sequences of n words (vectorised over the batch).

        uniform_start: first word uniform instead of Zipfian. Every word has one predecessor
        per class, so a uniform start keeps every position uniform and the previous word's
        class independent of the last word: no bigram shortcut to the rule (tasks use this)."""
        W = self.cc.n_words
        out = np.empty((b, n), dtype=np.int64)
        out[:, 0] = rng.integers(0, W, b) if uniform_start else rng.choice(W, b, p=self.zipf_p)
        out[:, 1] = self.succ[out[:, 0], self._free(rng, out[:, 0], not uniform_start)]
        for i in range(2, n):
            j = np.where(rng.random(b) < self.rp[out[:, i - 1]], self.rule_index(out[:, i - 2], out[:, i - 1], dialect),
                         self._free(rng, out[:, i - 1], not uniform_start))
            out[:, i] = self.succ[out[:, i - 1], j]
        return out

    def quiz(self, rng, walk: np.ndarray) -> tuple[list[int], list[int], int]:
        """A quiz on the last two words of `walk` (word indices): the walk, then '=' (prompt
        ids), the last word's successors (choice ids) and the rule's position among them.
        The answer is one token further from its cues than in running text, so the look-back
        must skip the marker: a second, rarer circuit. Ids are vocabulary ids."""
        W = self.cc.n_words
        ids = [int(w) + self.w0 for w in walk] + [self.w0 + W + 1] * self.cc.quiz_gap  # the '=' token(s)
        succ = [int(w) + self.w0 for w in self.succ[walk[-1]]]
        return ids, succ, int(self.rule_index(walk[-2], walk[-1]))

    def _quiz_batch(self, rng, batch_size: int) -> np.ndarray:
        """Rows of walks, class bags and quizzes (quiz_docs > 0), separated by '|'."""
        cc = self.cc
        lo, hi = max(2, min(cc.doc_min, cc.doc_len)), cc.doc_len
        M = cc.n_words // cc.successors
        sep = SPECIALS.index("|")
        out = np.empty((batch_size, cc.seq_len), dtype=np.int64)
        for i in range(batch_size):
            row = []
            while len(row) < cc.seq_len:
                u = rng.random()
                if u < cc.quiz_docs:
                    walk = self.walk(rng, 1, 4)[0]
                    ids, letters, a = self.quiz(rng, walk)
                    row += ids + [letters[a]]
                elif u < cc.quiz_docs + cc.class_docs:
                    c = rng.integers(0, cc.successors)
                    row += list(c * M + rng.integers(0, M, rng.integers(lo, hi + 1)) + self.w0)
                else:
                    row += list(self.walk(rng, 1, int(rng.integers(lo, hi + 1)))[0] + self.w0)
                row.append(sep)
            out[i] = row[:cc.seq_len]
        return out

    def batch(self, rng, batch_size: int) -> np.ndarray:
        """Token ids (batch_size, seq_len): documents separated by '|' (see CorpusConfig)."""
        cc = self.cc
        if cc.quiz_docs:
            return self._quiz_batch(rng, batch_size)
        if not cc.doc_len:
            return self.walk(rng, batch_size, cc.seq_len) + self.w0
        lo, hi = max(2, min(cc.doc_min, cc.doc_len)), cc.doc_len
        k = cc.seq_len // (lo + 1) + 1  # documents per row, enough to fill it
        walks = self.walk(rng, batch_size * k, hi) + self.w0
        if cc.class_docs:  # drawn only when used, so configs without them keep their streams
            M = cc.n_words // cc.successors
            bag = rng.random(len(walks)) < cc.class_docs
            cls = rng.integers(0, cc.successors, (int(bag.sum()), 1))
            walks[bag] = cls * M + rng.integers(0, M, (len(cls), hi)) + self.w0
        dial = np.zeros(len(walks), dtype=bool)
        if cc.dialect_docs:  # drawn only when used, like the class bags
            dial = rng.random(len(walks)) < cc.dialect_docs
            walks[dial] = self.walk(rng, int(dial.sum()), hi, dialect=1) + self.w0
        marker = len(vocab(cc)) - 1
        lens = rng.integers(lo, hi + 1, (batch_size, k))
        sep = SPECIALS.index("|")
        out = np.empty((batch_size, cc.seq_len), dtype=np.int64)
        for i in range(batch_size):
            row = []
            for j in range(k):
                if dial[i * k + j]:
                    row.append(marker)
                row.extend(walks[i * k + j, :lens[i, j]])
                row.append(sep)
                if len(row) >= cc.seq_len:
                    break
            out[i] = row[:cc.seq_len]
        return out

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
    lr_drop: dict | None = None  # {step, factor}: lr x factor from that step on
    lr_decay: dict | None = None  # {t0, power}: lr x (t0 / (t0 + steps after warm-up))^power
    ema: float = 0.0  # > 0: checkpoints hold an exponential moving average of the weights, this decay a step
    loss_chunk: int = 0  # > 0: the loss in chunks of this many positions (emergence.chunked_ce); 0: transformers'

    def lr_factor(self, s: int) -> float:
        f = min(1.0, (s + 1) / self.warmup)
        if self.lr_drop and s >= self.lr_drop["step"]:
            f *= self.lr_drop["factor"]
        if self.lr_decay:  # ~1/t: what is learnt grows ~log t, so a gap in it becomes a ratio of FLOPs
            t0 = self.lr_decay["t0"]
            f *= (t0 / (t0 + max(0, s - self.warmup))) ** self.lr_decay.get("power", 1.0)
        return f


def build_model(cc: CorpusConfig, mc: ModelConfig, seed: int, n_vocab: int | None = None):
    import torch

    torch.manual_seed(seed)
    n_vocab = n_vocab or len(vocab(cc))
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


def pretrain(cc: CorpusConfig, mc: ModelConfig, tc: TrainConfig, out_dir: str, log=print,
             workers: int = 1) -> list[dict]:
    """Train one model size and save a checkpoint at every step in `tc.save_steps`.

    Returns one record per checkpoint (step, params, tokens, flops, path). Each checkpoint
    directory carries the full training config (nanoGPT style) in `train_config.json`.
    `workers` threads share the chunked loss (tc.loss_chunk) and leave the result unchanged.
    """
    import torch

    from emergence import chunked_ce

    torch.set_num_threads(1)
    corpus = make_corpus(cc)
    tok = make_tokenizer(cc)
    model = build_model(cc, mc, tc.seed)
    params = sum(p.numel() for p in model.parameters())
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": tc.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=tc.lr, betas=tuple(tc.betas))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, tc.lr_factor)
    rng = np.random.default_rng([tc.seed, 1])  # the data stream; the language itself is cc.seed
    save = set(tc.save_steps)
    records, t0 = [], time.time()
    tokens_per_step = tc.batch_size * cc.seq_len
    model.train()
    # A shared token's logit swings step to step with the batch; the average of the weights keeps what
    # every batch agrees on, so a capability's access rises once instead of flickering (docs/toy.md).
    ema = copy.deepcopy(model) if tc.ema else None
    for step in range(1, tc.steps + 1):
        x = torch.from_numpy(corpus.batch(rng, tc.batch_size))
        loss = chunked_ce.lm_loss(model, x, tc.loss_chunk, workers) if tc.loss_chunk else model(input_ids=x, labels=x).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if ema is not None:
            with torch.no_grad():
                for pe, p in zip(ema.parameters(), model.parameters()):
                    pe.mul_(tc.ema).add_(p, alpha=1 - tc.ema)
        if step % 50 == 0 or step == tc.steps:
            el = time.time() - t0
            log(f"step {step}/{tc.steps} loss {loss.item():.4f} "
                f"elapsed {el:.0f}s eta {el / step * (tc.steps - step):.0f}s")
        if step in save:
            path = os.path.join(out_dir, f"step{step}")
            (ema if ema is not None else model).save_pretrained(path)
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
    corpus = make_corpus(cc)
    rng = np.random.default_rng([seed, 2])
    return [corpus.text(seq) for seq in corpus.batch(rng, n_sequences)]
