"""Does an in-context class-matching task emerge at its own loss on the default toy? (issue 15)

A candidate third default task needs an emergence point apart from `rule` (2.96 nats) and
`rule_gen` (2.85). Class documents (toy.corpus.class_docs) are bags of words of one class, so
"which of these six words, one per class, continues this bag?" needs attention to the bag,
not the look-back two words back. This probe scores it 2-shot (the `rule` task's format:
' | ' between shots, argmax of the choices' log-probabilities) on every checkpoint of a run,
for bags of 1, 2 and 4 words; chance is 1/6. No finetuning: it only asks where few-shot
leaves chance.

    .venv/bin/python bench/probe_class_bag.py results/toy [--language 7]
"""
import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pandas as pd
import torch
import yaml
from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

from emergence.toy import Corpus, CorpusConfig

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def items(corpus: Corpus, rng, bag: int, n: int, shots: int = 2) -> list[tuple[str, list[str], int]]:
    M = corpus.cc.n_words // corpus.cc.successors

    def one():
        c = int(rng.integers(0, corpus.cc.successors))
        words = c * M + rng.integers(0, M, bag)
        choices = sorted(int(k * M + rng.integers(0, M)) for k in range(corpus.cc.successors))
        return " ".join(f"w{w}" for w in words), [f"w{w}" for w in choices], [w // M for w in choices].index(c)

    out = []
    for _ in range(n):
        demos = [f"{t} {ch[lab]}" for t, ch, lab in (one() for _ in range(shots))]
        t, ch, lab = one()
        out.append((" | ".join(demos + [t]), ch, lab))
    return out


@torch.no_grad()
def accuracy(path: str, data) -> float:
    tok = PreTrainedTokenizerFast.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path).eval()
    ok = 0
    for text, choices, label in data:
        logp = model(torch.tensor([tok(text, add_special_tokens=False)["input_ids"]])).logits[0, -1]
        ids = [tok(" " + c, add_special_tokens=False)["input_ids"][-1] for c in choices]
        ok += int(int(torch.argmax(logp[ids])) == label)
    return ok / len(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", help="a results folder with checkpoints.csv (e.g. results/toy)")
    ap.add_argument("--config", default=os.path.join(REPO, "config.yaml"), help="its toy.corpus")
    ap.add_argument("--language", type=int, default=None, help="toy.corpus.seed, if the run overrode it")
    ap.add_argument("--n", type=int, default=300, help="test items per bag length")
    a = ap.parse_args()
    torch.set_num_threads(1)
    cc = yaml.safe_load(open(a.config))["toy"]["corpus"]
    if a.language is not None:
        cc["seed"] = a.language
    corpus = Corpus(CorpusConfig(**cc))
    rng = np.random.default_rng(123)
    sets = {bag: items(corpus, rng, bag, a.n) for bag in (1, 2, 4)}
    for _, r in pd.read_csv(os.path.join(a.run, "checkpoints.csv")).iterrows():
        path = r["path"] if os.path.isabs(r["path"]) else os.path.join(REPO, r["path"])
        accs = " ".join(f"bag{b}={accuracy(path, d):.2f}" for b, d in sets.items())
        print(f"{r['ckpt']:<14} loss {r['pretrain_loss']:.3f}  {accs}", flush=True)


if __name__ == "__main__":
    main()
