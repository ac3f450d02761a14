"""Unit tests of the package functions behind each stage."""
import json
import math

import numpy as np
import pandas as pd
import pytest

from emergence import collect, evaluate, pretrain_loss, subsets, tasks, toy


def test_subsets_are_nested_seeded_and_independent():
    s = subsets.nested_subsets(100, [4, 16, 64], 2, seed=0, task="t")["subsets"]
    for draw in ("1", "2"):
        assert set(s["4"][draw]) <= set(s["16"][draw]) <= set(s["64"][draw])
        assert len(set(s["64"][draw])) == 64
    assert s["16"]["1"] != s["16"]["2"]
    assert s == subsets.nested_subsets(100, [4, 16, 64], 2, seed=0, task="t")["subsets"]
    assert s != subsets.nested_subsets(100, [4, 16, 64], 2, seed=1, task="t")["subsets"]


def test_subsets_refuse_d_beyond_pool():
    with pytest.raises(ValueError, match="exceeds the finetuning pool"):
        subsets.nested_subsets(10, [4, 16], 1, seed=0, task="t")


def test_rule_language_hides_the_answer_from_the_bigram():
    cc = toy.CorpusConfig(n_words=48, successors=6, rule_prob=0.3)
    c = toy.Corpus(cc)
    # every word has exactly one predecessor of each class: the bigram says nothing about it
    for b in range(cc.n_words):
        preds = [a for a in range(cc.n_words) if b in c.succ[a]]
        assert sorted(c.cls[preds]) == list(range(cc.successors))
    # and the text follows the rule about rule_prob + (1 - rule_prob) / successors of the time
    w = c.walk(np.random.default_rng(0), 64, 96)
    hit = (w[:, 2:] == c.rule_next(w[:, :-2], w[:, 1:-1])).mean()
    assert abs(hit - (0.3 + 0.7 / 6)) < 0.02


def test_class_documents_are_bags_of_one_class_and_optional():
    base = dict(n_words=48, successors=6, seq_len=96, doc_len=12, doc_min=3)
    sep = toy.SPECIALS.index("|")
    docs = []
    for row in toy.Corpus(toy.CorpusConfig(**base, class_docs=0.5)).batch(np.random.default_rng(0), 16):
        cut = np.flatnonzero(row == sep)
        docs += [d for d in np.split(row, cut + 1)[:len(cut)]]  # complete documents only
    classes = [set((d[:-1] - len(toy.SPECIALS)) // 8) for d in docs]
    one = np.mean([len(c) == 1 for c in classes])
    assert 0.4 < one < 0.65  # about half are single-class bags (a short walk rarely is one)
    # class_docs = 0 draws nothing extra: older configs keep their exact corpus
    a = toy.Corpus(toy.CorpusConfig(**base)).batch(np.random.default_rng(1), 4)
    b = toy.Corpus(toy.CorpusConfig(**base, class_docs=0.0)).batch(np.random.default_rng(1), 4)
    assert (a == b).all()


def test_toy_lr_decay_halves_the_rate_t0_steps_after_warm_up_and_composes_with_a_drop():
    tc = toy.TrainConfig(warmup=10, lr_decay={"t0": 20, "power": 1.0})
    assert tc.lr_factor(9) == 1.0 and tc.lr_factor(10) == 1.0
    assert tc.lr_factor(30) == pytest.approx(0.5) and tc.lr_factor(70) == pytest.approx(0.25)
    assert toy.TrainConfig(warmup=10, lr_decay={"t0": 20, "power": 2.0}).lr_factor(30) == pytest.approx(0.25)
    both = toy.TrainConfig(warmup=10, lr_decay={"t0": 20}, lr_drop={"step": 25, "factor": 0.4})
    assert both.lr_factor(30) == pytest.approx(0.2) and both.lr_factor(20) == pytest.approx(20 / 30)


def test_toy_task_answers_are_not_predictable_from_the_last_word():
    # With Zipfian walk starts the best last-word-only guess scored 0.37 on this language
    # (chance 1/6), which let finetuning lift weak checkpoints: task prompts must not leak.
    c = toy.Corpus(toy.CorpusConfig(n_words=96, successors=6, zipf=1.0))
    assert last_word_guess(c) < 1 / 6 + 0.025


def last_word_guess(c):
    """How often the best guess from the prompt's last word alone (learnt on 6,000 rule_mc
    records, scored on 6,000 more) names the rule's answer."""
    rng = np.random.default_rng(0)
    recs = [tasks.rule_mc(c, rng, context=4) for _ in range(12000)]
    last = np.array([int(r["context"].split()[-1][1:]) for r in recs])
    label = np.array([r["label"] for r in recs])
    counts = np.zeros((c.cc.n_words, c.cc.successors))
    np.add.at(counts, (last[:6000], label[:6000]), 1)
    return (counts.argmax(1)[last[6000:]] == label[6000:]).mean()


def test_top_prior_favours_a_successor_in_text_but_not_in_task_prompts():
    c = toy.Corpus(toy.CorpusConfig(n_words=96, successors=6, rule_prob=0.5, top_prior=0.4))
    w = c.walk(np.random.default_rng(0), 4000, 12)
    a, b, nxt = w[:, :-2].ravel(), w[:, 1:-1].ravel(), w[:, 2:].ravel()
    free = nxt != c.rule_next(a, b)  # steps the rule did not take
    assert (nxt[free] == c.succ[b[free], c.top[b[free]]]).mean() > 0.4  # 0.4 + 0.6 / 6 less the rule's
    assert len(set(c.top)) == 6  # each word has its own favourite, not one class for all
    # task prompts step uniformly: the last word still says nothing about the answer
    assert last_word_guess(c) < 1 / 6 + 0.025


def test_toy_tasks_are_well_formed(tmp_path):
    cc = toy.CorpusConfig(n_words=48, successors=6)
    c = toy.Corpus(cc)
    rng = np.random.default_rng(0)
    for _ in range(50):
        d = tasks.rule_mc(c, rng, context=8)
        w = [int(x[1:]) for x in d["context"].split()]
        assert len(w) == 8 and len(set(d["choices"])) == 6
        assert d["choices"][d["label"]] == d["target"] == f"w{c.rule_next(w[-2], w[-1])}"
        g = tasks.rule_gen(c, rng, context=8, span=3)
        w = [int(x[1:]) for x in g["context"].split()]
        for t in g["target"].split():
            w.append(c.rule_next(w[-2], w[-1]))
            assert t == f"w{w[-1]}"
    spec = {"name": "rule", "generator": "rule_mc", "template": "jsonl_multiple_choice.yaml",
            "options": {"context": 8}, "n_test": 5, "n_fewshot_pool": 3, "n_train_pool": 7}
    from emergence.config import REPO

    tasks.generate(spec, cc, str(tmp_path), f"{REPO}/tasks", seed=0)
    assert len(tasks.read_jsonl(tmp_path / "pool.jsonl")) == 7
    assert len(tasks.read_jsonl(tmp_path / "test.jsonl")) == 5
    assert (tmp_path / "rule.yaml").exists()


def test_a_generation_task_stops_after_its_span_so_a_pass_is_the_words_alone(tmp_path):
    import yaml

    from emergence.config import REPO

    spec = {"name": "gen", "generator": "rule_gen", "template": "jsonl_generate.yaml",
            "options": {"context": 4, "span": 2}, "n_test": 3, "n_fewshot_pool": 3, "n_train_pool": 3}
    tasks.generate(spec, toy.CorpusConfig(n_words=48, successors=6), str(tmp_path), f"{REPO}/tasks", seed=0)
    gen = yaml.safe_load(open(tmp_path / "gen.yaml"))["generation_kwargs"]
    template = yaml.safe_load(open(f"{REPO}/tasks/jsonl_generate.yaml"))["generation_kwargs"]
    assert gen == {**template, "max_gen_toks": 2}  # the template's other settings kept


def test_normalized_logprob_matches_hand_computation():
    samples = [{"target": 1, "filtered_resps": [[-2.0, False], [-1.0, True], [-3.0, False]]},
               {"target": 0, "filtered_resps": [[-0.5, True], [-0.5, False], [-4.0, False]]}]
    want = np.mean([-1.0 - math.log(math.exp(-2) + math.exp(-1) + math.exp(-3)),
                    -0.5 - math.log(2 * math.exp(-0.5) + math.exp(-4))])
    assert evaluate.normalized_logprob(samples)[0] == pytest.approx(want)


def test_heldout_loss_of_a_real_tiny_model():
    import torch

    cc = toy.CorpusConfig(n_words=12, successors=3, seq_len=24)
    model = toy.build_model(cc, toy.ModelConfig(n_layer=1, n_embd=16, n_head=2), seed=0).eval()
    tok = toy.make_tokenizer(cc)
    texts = toy.heldout_texts(cc, 8, seed=0)
    loss = pretrain_loss.heldout_loss(model, tok, texts, seq_len=24, batch_size=3)
    x = torch.tensor([tok(t).input_ids for t in texts])
    with torch.no_grad():
        want = model(input_ids=x, labels=x).loss.item()
    assert loss == pytest.approx(want, rel=1e-5)
    assert abs(loss - math.log(len(toy.vocab(cc)))) < 0.5  # an untrained model is near uniform


def test_read_texts_names_the_file_and_line(tmp_path):
    p = tmp_path / "held.jsonl"
    p.write_text('{"text": "a b"}\n{"txt": "c"}\n')
    with pytest.raises(ValueError, match="held.jsonl:2"):
        pretrain_loss.read_texts(str(p), 10)


def test_collect_joins_and_orders_stably():
    ck = pd.DataFrame({"ckpt": ["a-m-step2", "a-m-step1"], "series": "a", "size": "m", "step": [2, 1],
                       "params": 10, "tokens": [20, 10], "flops": [1200.0, 600.0],
                       "pretrain_loss": [2.0, 3.0]})
    ev = pd.DataFrame({"ckpt": ["a-m-step2", "a-m-step1"], "task": "t", "method": "fewshot",
                       "data_amount": 0, "subset_sample": 0, "num_fewshot": 2, "metric": "acc",
                       "value": [0.5, 0.2]})
    obs = collect.observations(ck, [ev])
    assert list(obs["step"]) == [1, 2] and list(obs["pretrain_loss"]) == [3.0, 2.0]
    with pytest.raises(ValueError, match="without a pretraining loss"):
        collect.observations(ck.iloc[:1], [ev])


def test_evaluator_caches_change_nothing_lm_eval_reports(tmp_path):
    """Memoised tokenization and a once-per-process environment report: every run of an
    Evaluator gives what a fresh lm-eval HFLM gives, and keeps lm-eval's env info."""
    from lm_eval import simple_evaluate
    from lm_eval.models.huggingface import HFLM
    from lm_eval.tasks import TaskManager

    from emergence.config import REPO

    cc = toy.CorpusConfig(n_words=12, successors=3, seq_len=24)
    spec = {"name": "tiny_rule", "generator": "rule_mc", "template": "jsonl_multiple_choice.yaml",
            "options": {"context": 4}, "n_test": 40, "n_fewshot_pool": 8, "n_train_pool": 8}
    tasks.generate(spec, cc, str(tmp_path), f"{REPO}/tasks", seed=0)
    tok = toy.make_tokenizer(cc)
    models = [toy.build_model(cc, toy.ModelConfig(n_layer=1, n_embd=16, n_head=2), seed=s).eval() for s in (0, 1)]
    ev = evaluate.Evaluator(str(tmp_path), batch_size=8)
    mine = [ev.run(m, tok, "tiny_rule", 2) for m in models]  # the second run hits both caches
    assert len(ev.encode_caches) == 1 and next(iter(ev.encode_caches.values()))
    assert ev._encode_cache(toy.make_tokenizer(cc)) is next(iter(ev.encode_caches.values()))  # same vocab, same cache
    for m, res in zip(models, mine):
        lm = HFLM(pretrained=m, tokenizer=tok, batch_size=8, device="cpu")
        ref = simple_evaluate(model=lm, tasks=["tiny_rule"], num_fewshot=2, log_samples=True,
                              task_manager=TaskManager(include_path=str(tmp_path), include_defaults=False),
                              bootstrap_iters=0, random_seed=1234, numpy_random_seed=1234,
                              torch_random_seed=1234, fewshot_random_seed=1234)
        assert res["results"]["tiny_rule"]["acc,none"] == ref["results"]["tiny_rule"]["acc,none"]
        got = [s["filtered_resps"] for s in res["samples"]["tiny_rule"]]
        assert got == [s["filtered_resps"] for s in ref["samples"]["tiny_rule"]]
        assert res["pretty_env_info"] and res["transformers_version"]  # lm-eval's env report kept


def test_quiz_documents_and_task_put_the_rule_behind_a_marker():
    base = dict(n_words=48, successors=6, seq_len=96, doc_len=12, doc_min=3, class_docs=0.2)
    cc = toy.CorpusConfig(**base, quiz_docs=0.3)
    c, v = toy.Corpus(cc), toy.vocab(cc)
    eq = v.index("=")
    rows = c.batch(np.random.default_rng(0), 8)
    seen = 0
    for row in rows:  # every '=' follows a 4-word walk and precedes the rule's word
        for i in np.flatnonzero(row[:-1] == eq):
            w = row[i - 4:i] - len(toy.SPECIALS)
            assert row[i + 1] - len(toy.SPECIALS) == c.rule_next(w[-2], w[-1])
            seen += 1
    assert seen > 10
    q = tasks.rule_quiz(c, np.random.default_rng(1), context=4)
    w = [int(x[1:]) for x in q["context"].split()[:-1]]
    assert q["context"].endswith(" =") and q["target"] == q["choices"][q["label"]] == f"w{c.rule_next(w[-2], w[-1])}"
    # quiz_docs = 0: no marker in the vocabulary, the same data stream as before
    plain = toy.CorpusConfig(**base)
    assert "=" not in toy.vocab(plain)
    a = toy.Corpus(plain).batch(np.random.default_rng(1), 4)
    b = toy.Corpus(toy.CorpusConfig(**base, quiz_docs=0.0)).batch(np.random.default_rng(1), 4)
    assert (a == b).all()


def test_quiz_gap_puts_more_markers_before_the_answer():
    c = toy.Corpus(toy.CorpusConfig(n_words=48, successors=6, quiz_docs=0.3, quiz_gap=3))
    q = tasks.rule_quiz(c, np.random.default_rng(2), context=4)
    assert q["context"].endswith("w" + q["context"].split()[3][1:] + " = = =")
    w = [int(x[1:]) for x in q["context"].split()[:4]]
    assert q["target"] == f"w{c.rule_next(w[-2], w[-1])}"


def test_pair_rule_gives_each_word_its_own_table_without_a_bigram_shortcut():
    base = dict(n_words=48, successors=6)
    c = toy.Corpus(toy.CorpusConfig(**base, rule="pair"))
    cls_rule = toy.Corpus(toy.CorpusConfig(**base))
    preds = {b: [a for a in range(48) if b in c.succ[a]] for b in range(48)}
    # b's predecessors (one per class) pick distinct successors: the bigram alone stays at chance
    assert all(sorted(c.rule_index(a, b) for a in p) == list(range(6)) for b, p in preds.items())
    # ... but not the class rule's: which one depends on b, learnt word by word
    assert sum(c.rule_index(a, b) != cls_rule.cls[a] for b, p in preds.items() for a in p) > 200
    r = tasks.rule_mc(c, np.random.default_rng(3), context=4)
    w = [int(x[1:]) for x in r["context"].split()]
    assert r["target"] == f"w{c.rule_next(w[-2], w[-1])}" == r["choices"][r["label"]]
    # the class rule keeps its language and its text: these bytes come from the code before
    # the pair rule existed (sha256 of a batch and 20 rule_mc records)
    import hashlib
    c = toy.Corpus(toy.CorpusConfig(**base, rule_prob=0.3, class_docs=0.2))
    rng = np.random.default_rng(3)
    blob = c.batch(np.random.default_rng(1), 4).tobytes() + repr([tasks.rule_mc(c, rng, context=4)
                                                                  for _ in range(20)]).encode()
    assert hashlib.sha256(blob).hexdigest() == "5114e7887356de3f9263418058c3ca734dfee0265e7d6131560c5dda7601fa1c"
    with pytest.raises(ValueError, match="rule"):
        toy.Corpus(toy.CorpusConfig(**base, rule="triple"))


def test_a_second_dialect_has_its_own_table_and_marker():
    cc = toy.CorpusConfig(n_words=48, successors=6, rule_prob=0.3, dialect_docs=0.3)
    c = toy.Corpus(cc)
    assert toy.vocab(cc)[-1] == toy.DIALECT_TOKEN and (c.perm1 != c.perm).any()
    r = tasks.rule_mc(c, np.random.default_rng(0), context=4, dialect=1)
    w = [int(x[1:]) for x in r["context"].split()[1:]]
    assert r["context"].startswith("§ ") and r["target"] == f"w{c.succ[w[-1], c.rule_index(w[-2], w[-1], 1)]}"
    rows = c.batch(np.random.default_rng(1), 8)
    assert (rows == len(toy.vocab(cc)) - 1).sum() > 0  # some documents open with the marker


def test_split_words_keeps_test_cells_out_of_the_finetuning_pool():
    c = toy.Corpus(toy.CorpusConfig(n_words=48, successors=6, rule="pair", rule_spread=4.0))
    assert c.rp.min() < c.cc.rule_prob < c.rp.max()  # per-word strengths, spread around rule_prob
    rng = np.random.default_rng(0)
    last = {s: {int(tasks.rule_mc(c, rng, context=4, split_words=True, split=s)["context"].split()[-1][1:]) % 2
                for _ in range(40)} for s in ("test", "pool")}
    assert last == {"test": {1}, "pool": {0}}


def test_lure_language_puts_a_shared_lure_beside_each_words_successor(tmp_path):
    cc = toy.CorpusConfig(kind="lure", n_words=64, rule_prob=0.6, lure=0.25, seq_len=96)
    c, v = toy.make_corpus(cc), toy.vocab(cc)
    assert v[c.lure_id] == "x" and len(v) == len(toy.SPECIALS) + 64 + 1
    x = c.batch(np.random.default_rng(0), 64)
    a, b = x[:, :-1].ravel(), x[:, 1:].ravel()
    word = (a >= c.w0) & (a < c.lure_id)
    nxt = b[word]
    # after a word: its rule successor (rule_prob of the steps the document does not end on),
    # the lure (lure), else a fresh word; the lure and '|' end the chain
    succ = c.succ[a[word] - c.w0] + c.w0
    go_on = nxt != toy.SPECIALS.index("|")
    assert abs((nxt == succ)[go_on].mean() - (0.6 + 0.15 / 64)) < 0.03
    assert abs((nxt == c.lure_id)[go_on].mean() - 0.25) < 0.03
    assert not ((a == c.lure_id) & (b == c.lure_id)).any()
    # the rule cycles within groups of 4 consecutive ranks: chains stay in their band
    assert (c.succ // 4 == np.arange(64) // 4).all() and (c.succ != np.arange(64)).all()
    # toy.corpus.lure_bands sets the lure's probability per band of ranks: a band given 0 never
    # sees the lure, one given 0.4 sees it that often, the rest keep cc.lure
    c = toy.make_corpus(toy.CorpusConfig(kind="lure", n_words=64, rule_prob=0.6, lure=0.25, seq_len=96,
                                         lure_bands=[[0, 32, 0.0], [32, 48, 0.4]]))
    x = c.batch(np.random.default_rng(1), 64)
    a, b = x[:, :-1].ravel(), x[:, 1:].ravel()
    go_on = (a >= c.w0) & (a < c.lure_id) & (b != toy.SPECIALS.index("|"))
    rank = a - c.w0
    for lo, hi, p in ((0, 32, 0.0), (32, 48, 0.4), (48, 64, 0.25)):
        band = go_on & (rank >= lo) & (rank < hi)
        assert abs((b[band] == c.lure_id).mean() - p) < 0.04, (lo, hi)


def test_lure_task_keeps_test_words_out_of_finetuning(tmp_path):
    cc = toy.CorpusConfig(kind="lure", n_words=64, seed=3)
    c = toy.make_corpus(cc)
    task = {"name": "b16", "generator": "lure_gen", "template": "jsonl_generate.yaml",
            "options": {"lo": 16, "hi": 48, "span": 3}, "n_test": 50, "n_fewshot_pool": 20, "n_train_pool": 80}
    tasks.generate(task, cc, str(tmp_path), "tasks", seed=0)
    start = {}
    for split in ("test", "fewshot", "pool"):
        recs = tasks.read_jsonl(tmp_path / f"{split}.jsonl")
        for r in recs:  # the target is the start word's next 3 rule steps
            w = int(r["context"][1:])
            assert r["target"].split() == c.words(c.chain(w, 4)[1:])
        start[split] = {int(r["context"][1:]) for r in recs}
        assert all(16 <= w < 48 for w in start[split])
    assert all((w // 4) % 2 for w in start["test"])
    assert not any((w // 4) % 2 for w in start["fewshot"] | start["pool"])
    assert json.load(open(tmp_path / "b16.yaml"))["generation_kwargs"]["max_gen_toks"] == 3


def test_lure_task_with_pool_overlap_trains_on_the_test_words_groups_but_shows_them_no_demonstration(tmp_path):
    cc = toy.CorpusConfig(kind="lure", n_words=64, seed=3)
    task = {"name": "b16", "generator": "lure_gen", "template": "jsonl_generate.yaml",
            "options": {"lo": 16, "hi": 48, "span": 3, "pool_overlap": True},
            "n_test": 50, "n_fewshot_pool": 20, "n_train_pool": 200}
    tasks.generate(task, cc, str(tmp_path), "tasks", seed=0)
    start = {s: {int(r["context"][1:]) for r in tasks.read_jsonl(tmp_path / f"{s}.jsonl")}
             for s in ("test", "fewshot", "pool")}
    assert all((w // 4) % 2 for w in start["test"]) and not any((w // 4) % 2 for w in start["fewshot"])
    assert start["pool"] & start["test"] and all(16 <= w < 48 for w in start["pool"])
    assert {(w // 4) % 2 for w in start["pool"]} == {0, 1}


def test_lure_language_trains_a_checkpoint_whose_tokenizer_knows_the_lure(tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    cc = toy.CorpusConfig(kind="lure", n_words=32, seq_len=16)
    tc = toy.TrainConfig(steps=2, batch_size=2, warmup=1, save_steps=[2])
    rec = toy.pretrain(cc, toy.ModelConfig(n_layer=1, n_embd=8, n_head=2, arch="llama"), tc, str(tmp_path),
                       log=lambda *_: None)
    tok = AutoTokenizer.from_pretrained(rec[0]["path"])
    model = AutoModelForCausalLM.from_pretrained(rec[0]["path"])
    assert tok("w31 x |").input_ids == [len(toy.SPECIALS) + 31, len(toy.SPECIALS) + 32, toy.SPECIALS.index("|")]
    assert model.config.vocab_size == len(toy.vocab(cc))
    assert json.load(open(tmp_path / "step2" / "train_config.json"))["corpus"]["kind"] == "lure"


def test_several_lures_are_one_token_per_word_drawn_from_a_few():
    one = toy.CorpusConfig(kind="lure", n_words=64)
    cc = toy.CorpusConfig(kind="lure", n_words=64, lures=4)
    c = toy.make_corpus(cc)
    assert toy.vocab(cc)[-4:] == ["x0", "x1", "x2", "x3"] and toy.vocab(one)[-1] == "x"
    assert (c.succ == toy.make_corpus(one).succ).all()  # the same language, only the lures differ
    x = c.batch(np.random.default_rng(0), 32)
    a, b = x[:, :-1].ravel(), x[:, 1:].ravel()
    lure = (a >= c.w0) & (a < c.lure_id) & (b >= c.lure_id)
    assert lure.sum() > 100 and (b[lure] == c.lure_id + c.lure_of[a[lure] - c.w0]).all()
    assert len(set(c.lure_of)) == 4


def test_ema_checkpoints_hold_the_average_of_the_weights_not_the_last_step(tmp_path):
    from transformers import AutoModelForCausalLM

    cc, mc = toy.CorpusConfig(n_words=18, seq_len=16), toy.ModelConfig(n_layer=1, n_embd=8, n_head=2, arch="llama")
    init = toy.build_model(cc, mc, 0).state_dict()

    def saved(ema):
        tc = toy.TrainConfig(steps=3, batch_size=2, warmup=1, lr=0.05, save_steps=[3], ema=ema)
        rec = toy.pretrain(cc, mc, tc, str(tmp_path / str(ema)), log=lambda *_: None)
        return AutoModelForCausalLM.from_pretrained(rec[0]["path"]).state_dict()

    raw, avg = saved(0.0), saved(0.5)
    k = "model.layers.0.mlp.up_proj.weight"
    moved = (raw[k] - init[k]).abs().mean()
    # three steps at decay 0.5 keep 1/8 of the initial weights: the average lags the raw weights
    assert 0 < (avg[k] - init[k]).abs().mean() < moved



def test_a_shorter_run_saves_the_checkpoints_of_a_longer_one_bit_for_bit(tmp_path):
    """configs/toy_bands_quality.yaml stops its series early to fit its budget: its checkpoints
    must be those a longer run saves (learning rate, data stream and averaging follow the step,
    not the run's length)."""
    import torch
    from transformers import AutoModelForCausalLM

    cc = toy.CorpusConfig(kind="lure", n_words=64, rule_prob=0.5, lure=0.3, seq_len=16)
    mc = toy.ModelConfig(n_layer=1, n_embd=8, n_head=2, arch="llama")

    def saved(steps):
        tc = toy.TrainConfig(steps=steps, batch_size=2, warmup=2, save_steps=[4], ema=0.5, lr_decay={"t0": 2},
                             lr_drop={"step": 3, "factor": 0.5}, loss_chunk=8)  # the band configs' chunked loss
        rec = toy.pretrain(cc, mc, tc, str(tmp_path / str(steps)), log=lambda *_: None, workers=2)
        return AutoModelForCausalLM.from_pretrained(rec[0]["path"]).state_dict()

    short, long = saved(4), saved(9)
    for n, w in short.items():
        assert torch.equal(w, long[n]), n

def test_frequency_tiers_give_a_block_of_ranks_one_frequency_and_keep_the_language():
    plain, tiered = (toy.make_corpus(toy.CorpusConfig(kind="lure", n_words=64, tier=t)) for t in (0, 16))
    assert (plain.succ == tiered.succ).all()  # the same rule, only how often each word starts a chain
    assert np.allclose(tiered.p[16:32], tiered.p[16]) and tiered.p[15] > tiered.p[16] > tiered.p[32]
    assert tiered.p.sum() == pytest.approx(1.0)


def test_a_flat_zipf_head_makes_every_other_word_proportionally_more_frequent():
    plain, flat = (toy.make_corpus(toy.CorpusConfig(kind="lure", n_words=256, tier=16, zipf_head=h)) for h in (0, 16))
    assert (plain.succ == flat.succ).all()  # the same rule; only how often the head starts a chain
    assert np.allclose(flat.p[:16], flat.p[0]) and flat.p[0] < plain.p[0]
    # past the head every word gains one common factor: relative frequencies (and tiers) kept
    gain = flat.p[16:] / plain.p[16:]
    assert np.allclose(gain, gain[0]) and gain[0] > 1.5
    x = flat.batch(np.random.default_rng(0), 64).ravel()
    assert np.isin(x, np.arange(flat.w0, flat.w0 + 16)).mean() < 0.2  # the head no longer fills the text


def test_clean_documents_open_with_the_marker_and_never_show_the_lure():
    cc = toy.CorpusConfig(kind="lure", n_words=64, rule_prob=0.35, lure=0.5, clean_docs=0.3)
    c = toy.make_corpus(cc)
    x = c.batch(np.random.default_rng(0), 64).ravel()
    sep, marks = toy.SPECIALS.index("|"), np.flatnonzero(x == c.marker_id)
    assert len(marks) > 50 and (x[marks - 1] == sep).all()  # a clean document opens right after '|'
    clean, lures_in_clean, words_in_clean = False, 0, 0
    for t in x:
        clean = (clean or t == c.marker_id) and t != sep
        lures_in_clean += clean and t == c.lure_id
        words_in_clean += clean and c.w0 <= t < c.lure_id
    assert words_in_clean > 500 and lures_in_clean == 0
    # without clean documents the language, its vocabulary and its text stay what they were
    plain = toy.CorpusConfig(kind="lure", n_words=64, rule_prob=0.35, lure=0.5)
    assert toy.vocab(cc)[:-1] == toy.vocab(plain) and toy.vocab(cc)[-1] == "#"
    assert (toy.make_corpus(plain).batch(np.random.default_rng(0), 4)[:, :40] != c.marker_id).all()


def test_each_marker_opens_its_own_share_of_clean_documents():
    # one share per marker: tasks asked after different markers learn their access from
    # different numbers of documents; one share in a list is the language of that share alone
    shares = [0.2, 0.05]
    c = toy.make_corpus(toy.CorpusConfig(kind="lure", n_words=64, rule_prob=0.35, lure=0.5, clean_docs=shares))
    assert toy.vocab(c.cc)[-2:] == ["#", "#2"]
    x = c.batch(np.random.default_rng(0), 256).ravel()
    starts = np.sum(x == toy.SPECIALS.index("|"))
    n1, n2 = np.sum(x == c.marker_id), np.sum(x == c.marker_id + 1)
    assert n1 / starts == pytest.approx(0.2, abs=0.03) and n2 / starts == pytest.approx(0.05, abs=0.015)
    clean = False
    for t in x:  # no lure in either kind of clean document
        clean = (clean or t in (c.marker_id, c.marker_id + 1)) and t != toy.SPECIALS.index("|")
        assert not (clean and t == c.lure_id)
    one = dict(kind="lure", n_words=64, rule_prob=0.35, lure=0.5)
    a = toy.make_corpus(toy.CorpusConfig(**one, clean_docs=0.2)).batch(np.random.default_rng(3), 8)
    b = toy.make_corpus(toy.CorpusConfig(**one, clean_docs=[0.2])).batch(np.random.default_rng(3), 8)
    assert (a == b).all()
    from emergence import tasks

    r = tasks.lure_gen(c, np.random.default_rng(1), lo=16, hi=32, marker=2)
    tok = toy.make_tokenizer(c.cc)
    assert [toy.vocab(c.cc)[i] for i in tok(r["context"], add_special_tokens=False).input_ids][0] == "#2"


def test_a_paired_marker_clears_only_its_own_bands_lure():
    # each task's access is learnt from its own marker's documents: in marker k's documents
    # only lure k is gone, so no shared "markers clear lures" can be learnt from them
    cc = toy.CorpusConfig(kind="lure", n_words=256, rule_prob=0.35, lure=0.5, clean_docs=[0.1, 0.1], lures=2,
                          lure_band=16, paired=True)
    c = toy.make_corpus(cc)
    assert (c.lure_of[:16] == 0).all() and (c.lure_of[16:32] == 1).all() and (c.lure_of[32:48] == 0).all()
    x = c.batch(np.random.default_rng(0), 256).ravel()
    sep, seen, m = toy.SPECIALS.index("|"), {}, -1
    for t in x:
        m = t - c.marker_id if t >= c.marker_id else (-1 if t == sep else m)
        if c.lure_id <= t < c.marker_id:
            seen[(int(m), int(t - c.lure_id))] = seen.get((int(m), int(t - c.lure_id)), 0) + 1
    assert (0, 0) not in seen and (1, 1) not in seen  # a marker's own lure never follows a word
    assert seen[(0, 1)] > 20 and seen[(1, 0)] > 20 and seen[(-1, 0)] > 20 and seen[(-1, 1)] > 20


def test_a_marker_task_asks_in_the_clean_format():
    from emergence import tasks

    c = toy.make_corpus(toy.CorpusConfig(kind="lure", n_words=64, clean_docs=0.1))
    r = tasks.lure_gen(c, np.random.default_rng(1), lo=16, hi=32, marker=True)
    assert r["context"].startswith("# w") and len(r["target"].split()) == 3
    tok = toy.make_tokenizer(c.cc)  # the checkpoints' tokenizer reads the marker as its own token
    assert [toy.vocab(c.cc)[i] for i in tok(r["context"], add_special_tokens=False).input_ids][0] == "#"
