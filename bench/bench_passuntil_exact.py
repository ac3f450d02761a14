"""Exact PassUntil pass rates of the default toy checkpoints (no sampling): the probability
that temperature-1 sampling produces the rule's next `span` words, i.e. the product of the
answer tokens' probabilities under teacher forcing, averaged over 200 instances in the
2-shot prompt format. What the default PassUntil design was chosen from (span, size,
checkpoints): where PU(FLOPs) follows exp(-c C^-alpha) and where it accelerates.

    python bench/bench_passuntil_exact.py [--size s] [--spans 2,3] [--results results/toy]

Then, for each span, the held-out relative error of the log(-log PU) ~ log FLOPs line
fitted to a few earlier checkpoints and extrapolated to the last one.
Output kept in bench/measured/passuntil_exact.txt.
"""
import argparse

import numpy as np
import pandas as pd
import torch
import yaml
from transformers import AutoModelForCausalLM, AutoTokenizer

from emergence import tasks as T
from emergence.prompt import PromptFormat
from emergence.toy import Corpus, CorpusConfig

FMT = PromptFormat(" ", " | ", "")


@torch.no_grad()
def exact_pu(path, test, shots):
    tok, m = AutoTokenizer.from_pretrained(path), AutoModelForCausalLM.from_pretrained(path).eval()
    out = []
    for i, ex in enumerate(test):
        demo = [shots[j] for j in np.random.default_rng(i).choice(len(shots), 2, replace=False)]
        p_ids = tok(FMT.render(demo + [{"context": ex["context"], "target": ""}]).rstrip(),
                    add_special_tokens=False).input_ids
        t_ids = tok(" " + ex["target"], add_special_tokens=False).input_ids
        lp = torch.log_softmax(m(input_ids=torch.tensor([p_ids + t_ids])).logits[0, :-1], -1)
        idx = torch.arange(len(p_ids) - 1, len(p_ids) + len(t_ids) - 1)
        out.append(float(lp[idx, torch.tensor(t_ids)].sum().exp()))
    return float(np.mean(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", default="results/toy")
    ap.add_argument("--config", default="config.yaml")
    ap.add_argument("--size", default="s")
    ap.add_argument("--spans", default="2,3")
    a = ap.parse_args()
    torch.set_num_threads(1)
    corpus = Corpus(CorpusConfig(**yaml.safe_load(open(a.config))["toy"]["corpus"]))
    man = pd.read_csv(f"{a.results}/series/toy/{a.size}.csv")
    for span in map(int, a.spans.split(",")):
        rng = np.random.default_rng([5, span])
        test = [T.rule_gen(corpus, rng, context=4, span=span) for _ in range(200)]
        shots = [T.rule_gen(corpus, rng, context=4, span=span) for _ in range(64)]
        pu = {int(r.step): exact_pu(r.path, test, shots) for r in man.itertuples()}
        flops = dict(zip(man["step"], man["flops"]))
        print(f"size {a.size}, span {span}: " + " ".join(f"{s}:{v:.2e}" for s, v in pu.items()), flush=True)
        last = max(pu)
        for k, gap in ((4, 20), (4, 40), (3, 40), (5, 20)):
            fit = [last - gap * i for i in range(k, 0, -1)]
            if min(fit) < min(pu):
                continue
            b, c = np.polyfit(np.log([flops[s] for s in fit]), np.log(-np.log([pu[s] for s in fit])), 1)
            pred = np.exp(-np.exp(c + b * np.log(flops[last])))
            print(f"  fit on steps {fit} -> step {last}: predicted {pred:.3g}, exact {pu[last]:.3g}, "
                  f"relative error {abs(pred - pu[last]) / pu[last]:.2f}")


if __name__ == "__main__":
    main()
