import numpy as np
import pandas as pd
import pytest

from emergence import metric_chain as mc


def lm_eval_sample(doc_id, logliks, gold, as_str=False):
    """The shape of one multiple-choice record of lm-eval's samples.jsonl."""
    fr = [[str(x), "False"] if as_str else [x, False] for x in logliks]
    return {"doc_id": doc_id, "doc": {"context": "q", "choices": [f"c{i}" for i in range(len(logliks))],
                                     "label": gold},
            "target": gold, "resps": [[f] for f in fr], "filtered_resps": fr}


def test_chain_matches_hand_computed_values():
    recs = [("ck1", 1e15, lm_eval_sample(0, np.log([0.2, 0.1, 0.05]).tolist(), 0)),
            ("ck1", 1e15, lm_eval_sample(1, [-1.0, -1.0, -3.0], 1, as_str=True))]
    chain = mc.chain_from_samples(recs)
    assert len(chain) == 2 * len(mc.METRICS)
    v = chain.set_index(["doc_id", "metric"]).value
    # doc 0: vocab probabilities 0.2/0.1/0.05 -> choice probabilities 4/7, 2/7, 1/7
    assert v[0, "logp_vocab_correct"] == pytest.approx(np.log(0.2))
    assert v[0, "p_vocab_correct"] == pytest.approx(0.2)
    assert v[0, "p_choices_correct"] == pytest.approx(4 / 7)
    assert v[0, "accuracy"] == 1
    assert v[0, "brier"] == pytest.approx((3 / 7) ** 2 + (2 / 7) ** 2 + (1 / 7) ** 2)
    assert v[0, "p_vocab_incorrect_mass"] == pytest.approx(0.15)
    assert v[0, "p_choices_incorrect_mass"] == pytest.approx(3 / 7)
    # doc 1: gold tied with one other choice at the top -> accuracy split, 1/2
    z = 2 * np.exp(-1) + np.exp(-3)
    assert v[1, "accuracy"] == 0.5
    assert v[1, "p_choices_correct"] == pytest.approx(np.exp(-1) / z)
    assert v[1, "p_vocab_incorrect_mass"] == pytest.approx(np.exp(-1) + np.exp(-3))
    pc = np.array([np.exp(-1), np.exp(-1), np.exp(-3)]) / z
    assert v[1, "brier"] == pytest.approx(pc[0] ** 2 + (1 - pc[1]) ** 2 + pc[2] ** 2)


def series():
    """Doc 0: log p(correct) rises with compute, but a rival choice makes accuracy go
    0, 0, 1, 0, 1. Doc 1: always right, so its accuracy is constant."""
    compute = np.geomspace(1e15, 1e19, 5)
    good = [-3.0, -2.5, -2.0, -1.5, -1.0]
    rival = [-2.0, -2.2, -2.1, -1.4, -1.3]
    recs = []
    for k, c in enumerate(compute):
        recs.append((f"ck{k}", c, lm_eval_sample(0, [rival[k], good[k], -9.0], 1)))
        recs.append((f"ck{k}", c, lm_eval_sample(1, [good[k], -5.0, -6.0], 0)))
    return recs


def test_correlation_summary_logp_vs_accuracy():
    corr = mc.correlations(mc.chain_from_samples(series()))
    r = corr.set_index(["metric", "doc_id", "method"]).r
    assert r["logp_vocab_correct", 0, "spearman"] == pytest.approx(1)
    assert r["logp_vocab_correct", 0, "kendall"] == pytest.approx(1)
    assert r["accuracy", 0, "spearman"] < 0.75
    assert np.isnan(r["accuracy", 1, "spearman"])
    s = mc.summarise(corr).set_index(["metric", "method"])
    assert s.loc[("logp_vocab_correct", "spearman"), "frac_above"] == 1
    acc = s.loc[("accuracy", "spearman")]
    assert acc["n"] == 1 and acc["n_constant"] == 1 and acc["frac_above"] == 0
    assert acc["mean"] < s.loc[("logp_vocab_correct", "spearman"), "mean"]
    # brier falls as the model improves: raw correlation negative, oriented summary positive
    assert r["brier", 1, "spearman"] == pytest.approx(-1)
    assert s.loc[("brier", "spearman"), "sign"] == -1


def test_dataframe_input_matches_records():
    recs = series()
    df = pd.DataFrame([{"ckpt": k, "compute": c, "doc_id": s["doc_id"],
                        "logliks": [f[0] for f in s["filtered_resps"]], "target": s["target"]}
                       for k, c, s in recs])
    a, b = mc.chain_from_samples(recs), mc.chain_from_samples(df)
    pd.testing.assert_frame_equal(a, b)


def test_vectorised_correlations_equal_scipy_per_sample_with_ties_and_gaps():
    import numpy as np
    import pandas as pd

    from emergence import metric_chain as mc

    rng = np.random.default_rng(0)
    comp = np.geomspace(1e10, 1e12, 9)
    rows = []
    for doc in range(30):
        v = rng.integers(0, 3, len(comp)).astype(float) if doc % 3 else rng.random(len(comp))  # ties / none
        if doc == 7:
            v[:] = 1.0  # constant: NaN
        for i, (c, val) in enumerate(zip(comp, v)):
            if doc == 11 and i == 4:
                continue  # a sample missing one checkpoint goes the one-at-a-time way
            rows.append(dict(task="t", metric="accuracy", doc_id=doc, compute=c, value=val))
    got = mc.correlations(pd.DataFrame(rows))
    for (doc, method), r in got.set_index(["doc_id", "method"])["r"].items():
        g = [x for x in rows if x["doc_id"] == doc]
        xs, v = np.log([x["compute"] for x in g]), np.array([x["value"] for x in g])
        want = np.nan if np.ptp(v) == 0 else mc.METHODS[method](xs, v)[0]
        assert (np.isnan(want) and np.isnan(r)) or abs(want - r) < 1e-12, (doc, method, r, want)
    assert list(got["method"][:3]) == list(mc.METHODS)
