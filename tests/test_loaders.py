"""Loaders of the paper configs' real datasets, run offline on small local copies in the
layout and schema the hub serves them in: MMLU, GSM8K, CommonsenseQA and CoLA (lm-eval's
built-in tasks), APPS (tasks/apps) and a C4-style held-out corpus.

A config points a task at a local copy with `dataset:` (tasks.lm_eval_include writes the
override YAML; evaluation and the finetuning pool both index it). The expected strings below
are written out from lm-eval's own task YAMLs (mmlu/default/_default_template_yaml,
gsm8k/gsm8k.yaml, commonsense_qa/default.yaml, glue/cola/default.yaml), not from lm-eval's
rendering, so a change in the formatting the pool hands to finetuning shows up here.
"""
import glob
import gzip
import json
import os

import pytest
import yaml

datasets = pytest.importorskip("datasets")
lm_eval = pytest.importorskip("lm_eval")

from emergence import pretrain_loss, tasks  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LETTERS = "ABCDE"


def mmlu_subjects() -> list[str]:
    """The 57 subjects (hub configs of cais/mmlu), as lm-eval's mmlu group names them."""
    root = os.path.join(os.path.dirname(lm_eval.__file__), "tasks", "mmlu", "default")
    names = []
    for path in sorted(glob.glob(os.path.join(root, "mmlu_*.yaml"))):
        with open(path) as f:
            names.append(yaml.safe_load(f)["dataset_name"])
    return names


def parquet(root, rel, rows, features):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    datasets.Dataset.from_list(rows, features=features).to_parquet(path)


def readme(root, configs):
    """The dataset card's `configs:` block, which maps config names and splits to files."""
    with open(os.path.join(root, "README.md"), "w") as f:
        f.write("---\n" + yaml.safe_dump({"configs": configs}, sort_keys=False) + "---\n# local copy\n")


def jsonl(path, rows, opener=open):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with opener(path, "wt") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


# ---------------------------------------------------------------- local copies, hub format

def mmlu_row(subject, split, i):
    return {"question": f"  {split} question {i} about {subject.replace('_', ' ')}?  ", "subject": subject,
            "choices": [f"{subject} {split} {i} choice {k}" for k in range(4)], "answer": (i + len(subject)) % 4}


def write_mmlu(root):
    """cais/mmlu: one folder per subject with test / validation / dev parquet files; answer is
    a ClassLabel A-D (an int in the rows)."""
    f = datasets.Features({"question": datasets.Value("string"), "subject": datasets.Value("string"),
                           "choices": datasets.Sequence(datasets.Value("string")),
                           "answer": datasets.ClassLabel(names=list("ABCD"))})
    configs = []
    for s in mmlu_subjects():
        n = {"test": 1, "validation": 2 if s == "abstract_algebra" else 1, "dev": 1}
        for split, k in n.items():
            parquet(root, f"{s}/{split}-00000-of-00001.parquet", [mmlu_row(s, split, i) for i in range(k)], f)
        configs.append({"config_name": s, "data_files": [{"split": sp, "path": f"{s}/{sp}-*"} for sp in n]})
    readme(root, configs)


GSM8K = {
    "train": [
        {"question": "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in "
                     "May. How many clips did Natalia sell altogether in April and May?",
         "answer": "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips "
                   "altogether in April and May.\n#### 72"},
        {"question": "Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of babysitting. "
                     "How much did she earn?",
         "answer": "Weng earns 12/60 = $<<12/60=0.2>>0.2 per minute.\nWorking 50 minutes, she earned 0.2 x 50 = "
                   "$<<0.2*50=10>>10.\n#### 10"},
        {"question": "Betty has 3 apples and buys 1,200 more. How many apples does she have?",
         "answer": "She has 3+1200 = <<3+1200=1203>>1203 apples.\n#### 1,203"},
    ],
    "test": [{"question": "Janet has 16 eggs and eats 3. How many are left?",
              "answer": "16-3 = <<16-3=13>>13\n#### 13"}],
}


def write_gsm8k(root):
    """openai/gsm8k: configs main and socratic, parquet under main/ and socratic/."""
    f = datasets.Features({"question": datasets.Value("string"), "answer": datasets.Value("string")})
    for split, rows in GSM8K.items():
        parquet(root, f"main/{split}-00000-of-00001.parquet", rows, f)
    readme(root, [{"config_name": "main", "data_files": [{"split": s, "path": f"main/{s}-*"} for s in GSM8K]}])


CSQA = {
    "train": [
        {"id": "075e483d21c29a511267ef62bedc0461",
         "question": "The sanctions against the school were a punishing blow, and they seemed to what the efforts "
                     "the school had made to change? ",
         "question_concept": "punishing",
         "choices": {"label": list(LETTERS), "text": ["ignore", "enforce", "authoritarian", "yell at", "avoid"]},
         "answerKey": "A"},
        {"id": "61fe6e879ff18686d7552425a36344c8",
         "question": "Sammy wanted to go to where the people were.  Where might he go?",
         "question_concept": "people",
         "choices": {"label": list(LETTERS),
                     "text": ["race track", "populated areas", "the desert", "apartment", "roadblock"]},
         "answerKey": "B"},
    ],
    "validation": [
        {"id": "1afa02df02c908a558b4036e80242fac", "question": "A revolving door is convenient for two direction "
         "travel, but it also serves as a security measure at a what?", "question_concept": "revolving door",
         "choices": {"label": list(LETTERS), "text": ["bank", "library", "department store", "mall", "new york"]},
         "answerKey": "A"},
    ],
    # the hub's test split has no answers
    "test": [
        {"id": "90b30172e645ff91f7171a048582eb8b", "question": "The townhouse was a hard sell for the realtor, it "
         "was right next to a high rise what?", "question_concept": "townhouse",
         "choices": {"label": list(LETTERS), "text": ["suburban development", "apartment building", "bus stop",
                                                      "michigan", "suburbs"]},
         "answerKey": ""},
    ],
}


def write_csqa(root):
    """tau/commonsense_qa: data/{train,validation,test}-*.parquet; choices is {label, text}."""
    f = datasets.Features({"id": datasets.Value("string"), "question": datasets.Value("string"),
                           "question_concept": datasets.Value("string"),
                           "choices": datasets.Sequence({"label": datasets.Value("string"),
                                                         "text": datasets.Value("string")}),
                           "answerKey": datasets.Value("string")})
    for split, rows in CSQA.items():
        parquet(root, f"data/{split}-00000-of-00001.parquet", rows, f)
    readme(root, [{"config_name": "default", "data_files": [{"split": s, "path": f"data/{s}-*"} for s in CSQA]}])


COLA = {
    "train": [
        {"sentence": "Our friends won't buy this analysis, let alone the next one we propose.", "label": 1, "idx": 0},
        {"sentence": "One more pseudo generalization and I'm giving up.", "label": 1, "idx": 1},
        {"sentence": "They drank the pub.", "label": 0, "idx": 2},
    ],
    "validation": [{"sentence": "The sailors rode the breeze clear of the rocks.", "label": 1, "idx": 0},
                   {"sentence": "The more we study verbs, the crazier they get.", "label": 1, "idx": 1}],
    # the hub's test split hides its labels as -1
    "test": [{"sentence": "Bill whistled past the house.", "label": -1, "idx": 0}],
}


def write_glue(root):
    """nyu-mll/glue: one folder per task; CoLA's label is a ClassLabel (unacceptable, acceptable)."""
    f = datasets.Features({"sentence": datasets.Value("string"),
                           "label": datasets.ClassLabel(names=["unacceptable", "acceptable"]),
                           "idx": datasets.Value("int32")})
    for split, rows in COLA.items():
        parquet(root, f"cola/{split}-00000-of-00001.parquet", rows, f)
    readme(root, [{"config_name": "cola", "data_files": [{"split": s, "path": f"cola/{s}-*"} for s in COLA]}])


def apps_row(pid, difficulty, solutions, question):
    # solutions and input_output are JSON-encoded strings in codeparrot/apps
    return {"problem_id": pid, "question": question,
            "solutions": json.dumps(solutions) if solutions is not None else "",
            "input_output": json.dumps({"inputs": ["1 2\n"], "outputs": ["3\n"]}), "difficulty": difficulty,
            "url": f"https://codeforces.com/problemset/problem/{pid}/A", "starter_code": ""}


APPS = {
    "train": [
        apps_row(0, "interview", ["print(0)\n"], "An interview problem."),
        apps_row(1, "introductory", ["a, b = map(int, input().split())\nprint(a + b)\n", "print(sum(map(int, "
                                     "input().split())))\n"], "Read two integers and print their sum."),
        apps_row(2, "competition", ["print(2)\n"], "A competition problem."),
        apps_row(3, "introductory", ["print(input()[::-1])\n"], "Print the input string reversed."),
    ],
    "test": [
        apps_row(4, "introductory", ["print('yes')\n"], "Print yes."),
        apps_row(5, "introductory", None, "A test problem without reference solutions."),
        apps_row(6, "interview", ["print(6)\n"], "An interview test problem."),
    ],
}

C4 = [{"text": "Beginners BBQ Class Taking Place in Missoula!\nDo you want to get better at making delicious BBQ?",
       "timestamp": "2019-04-25T12:57:54Z",
       "url": "https://klyq.com/beginners-bbq-class-taking-place-in-missoula/"},
      {"text": "Discussion in 'Mac OS X Lion (10.7)' started by axboi87, Jan 20, 2012.",
       "timestamp": "2019-04-21T10:07:13Z", "url": "https://forums.macrumors.com/threads/restore.1300000/"},
      {"text": "Foil plaid lycra and spandex shortall with metallic slinky insets.",
       "timestamp": "2019-04-25T10:40:23Z", "url": "https://awishcometrue.com/Catalogs/Clearance/Tops/"}]
C4_FILE = "en/c4-validation.00000-of-00008.json.gz"


@pytest.fixture(scope="module")
def offline(tmp_path_factory):
    """No hub: datasets and huggingface_hub in offline mode, datasets' cache in a tmp folder."""
    import huggingface_hub.constants

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(datasets.config, "HF_HUB_OFFLINE", True)
        mp.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)
        mp.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path_factory.mktemp("hf_cache")))
        mp.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
        yield


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """Local copies, laid out as `hf download <id> --repo-type dataset --local-dir` leaves them."""
    root = tmp_path_factory.mktemp("hub")
    write_mmlu(str(root / "cais" / "mmlu"))
    write_gsm8k(str(root / "openai" / "gsm8k"))
    write_csqa(str(root / "tau" / "commonsense_qa"))
    write_glue(str(root / "nyu-mll" / "glue"))
    for split, rows in APPS.items():
        jsonl(str(root / "codeparrot" / "apps" / f"{split}.jsonl"), rows)
    jsonl(str(root / "allenai" / "c4" / C4_FILE), C4, opener=gzip.open)
    return root


@pytest.fixture(scope="module")
def specs(hub):
    """The paper configs' task entries, each pointed at its local copy with `dataset:`."""
    with open(os.path.join(REPO, "configs", "openllama_v1.yaml")) as f:
        out = {t["name"]: t for t in yaml.safe_load(f)["tasks"]}
    with open(os.path.join(REPO, "configs", "llama2_apps.yaml")) as f:
        out.update({t["name"]: t for t in yaml.safe_load(f)["tasks"]})
    out["mmlu"]["dataset"] = {"path": str(hub / "cais" / "mmlu")}
    out["gsm8k"]["dataset"] = {"path": str(hub / "openai" / "gsm8k")}
    out["commonsense_qa"]["dataset"] = {"path": str(hub / "tau" / "commonsense_qa")}
    out["cola"]["dataset"] = {"path": str(hub / "nyu-mll" / "glue")}
    # APPS's hub repo is a script dataset: its JSONL files are the local copy
    out["apps_introductory"]["dataset"] = {"data_files": {s: str(hub / "codeparrot" / "apps" / f"{s}.jsonl")
                                                          for s in APPS}}
    return out


@pytest.fixture(scope="module")
def task_manager(offline, specs, tmp_path_factory):
    """One TaskManager over every task's include paths, as the evaluate stage builds it."""
    from lm_eval.tasks import TaskManager

    work = str(tmp_path_factory.mktemp("overrides"))
    paths = [p for t in specs.values() for p in tasks.lm_eval_include(t, work)]
    return TaskManager(include_path=paths, include_defaults=True)


FORMAT_KEYS = ("target_delimiter", "fewshot_delimiter", "description")


def pool(specs, task_manager, name, limit=100_000, seed=0, keep_format=False):
    """The task's finetuning pool; its content only unless keep_format (every record also
    carries the task's k-shot format: emergence.prompt)."""
    t = specs[name]
    recs = tasks.lm_eval_pool(name, t["finetune_split"], limit, seed=seed, task_manager=task_manager)
    assert all(set(FORMAT_KEYS) <= set(r) for r in recs)
    return recs if keep_format else [{k: v for k, v in r.items() if k not in FORMAT_KEYS} for r in recs]


# ---------------------------------------------------------------- finetuning pools

@pytest.fixture(scope="module")
def mmlu_pool_raw(specs, task_manager):
    return pool(specs, task_manager, "mmlu", keep_format=True)  # 57 subtasks: ~5 s, so once


@pytest.fixture(scope="module")
def mmlu_pool(mmlu_pool_raw):
    return [{k: v for k, v in r.items() if k not in FORMAT_KEYS} for r in mmlu_pool_raw]


def test_mmlu_pool_carries_each_subjects_prompt_format(mmlu_pool_raw):
    first = mmlu_pool_raw[0]
    assert first["description"] == "The following are multiple choice questions (with answers) about abstract algebra.\n\n"
    assert (first["target_delimiter"], first["fewshot_delimiter"]) == (" ", "\n\n")
    assert len({r["description"] for r in mmlu_pool_raw}) == 57


def test_mmlu_pool_is_the_validation_split_of_every_subject(specs, mmlu_pool):
    assert specs["mmlu"]["finetune_split"] == "validation"
    subjects = mmlu_subjects()
    assert len(subjects) == 57
    want = []
    for s in subjects:  # the pool is ordered by subtask name, then by document
        for i in range(2 if s == "abstract_algebra" else 1):
            r = mmlu_row(s, "validation", i)
            c = r["choices"]
            want.append({"context": f"{r['question'].strip()}\nA. {c[0]}\nB. {c[1]}\nC. {c[2]}\nD. {c[3]}\nAnswer:",
                         "target": "ABCD"[r["answer"]]})
    assert mmlu_pool == want
    assert {r["target"] for r in mmlu_pool} == set("ABCD")


def test_pool_limit_draws_a_seeded_subset_in_order(specs, task_manager):
    full = pool(specs, task_manager, "gsm8k")
    draws = {seed: pool(specs, task_manager, "gsm8k", limit=2, seed=seed) for seed in range(6)}
    for part in draws.values():
        assert len(part) == 2
        idx = [full.index(r) for r in part]
        assert idx == sorted(idx)  # a subset, kept in the pool's order
    assert draws[3] == pool(specs, task_manager, "gsm8k", limit=2, seed=3)
    assert len({json.dumps(p) for p in draws.values()}) > 1
    assert pool(specs, task_manager, "gsm8k", limit=50) == full


def test_gsm8k_pool_targets_keep_the_reasoning_and_final_answer(specs, task_manager):
    got = pool(specs, task_manager, "gsm8k")
    assert got == [{"context": f"Question: {r['question']}\nAnswer:", "target": r["answer"]} for r in GSM8K["train"]]
    assert got[0]["target"].endswith("#### 72") and got[2]["target"].endswith("#### 1,203")


def test_commonsense_qa_pool_is_lettered_five_way(specs, task_manager):
    got = pool(specs, task_manager, "commonsense_qa")
    want = []
    for r in CSQA["train"]:
        opts = "".join(f"\n{k}. {v}" for k, v in zip(LETTERS, r["choices"]["text"]))
        want.append({"context": f"Question: {r['question'].strip()}{opts}\nAnswer:", "target": r["answerKey"]})
    assert got == want


def test_cola_pool_targets_are_no_and_yes(specs, task_manager):
    got = pool(specs, task_manager, "cola")
    assert got == [{"context": f"{r['sentence']}\nQuestion: Does this sentence make sense?\nAnswer:",
                    "target": ["no", "yes"][r["label"]]} for r in COLA["train"]]


def test_apps_pool_is_introductory_with_the_first_solution(specs, task_manager):
    got = pool(specs, task_manager, "apps_introductory")
    intro = [r for r in APPS["train"] if r["difficulty"] == "introductory"]
    assert got == [{"context": f"QUESTION:\n{r['question']}\nANSWER:\n", "target": json.loads(r["solutions"])[0]}
                   for r in intro]
    assert got[0]["target"] == "a, b = map(int, input().split())\nprint(a + b)\n"


# ---------------------------------------------------------------- evaluation splits

def test_evaluation_reads_the_local_copies(task_manager):
    """The evaluate stage's TaskManager sees the same copies: its scored and few-shot splits."""
    loaded = task_manager.load(["gsm8k", "commonsense_qa", "cola", "apps_introductory"])["tasks"]
    gsm8k, csqa, cola, apps = (loaded[k] for k in ("gsm8k", "commonsense_qa", "cola", "apps_introductory"))
    assert [d["question"] for d in gsm8k.test_docs()] == [r["question"] for r in GSM8K["test"]]
    assert len(gsm8k.fewshot_docs()) == len(GSM8K["train"])
    assert [d["id"] for d in csqa.validation_docs()] == [r["id"] for r in CSQA["validation"]]
    assert [d["idx"] for d in cola.validation_docs()] == [r["idx"] for r in COLA["validation"]]
    assert cola.config.metric_list[0]["metric"] == "mcc"
    # APPS scores the introductory test problems that have a reference solution
    assert [(d["problem_id"], d["solution"]) for d in apps.test_docs()] == [(4, "print('yes')\n")]


def test_mmlu_few_shot_and_test_splits_come_from_the_copy(task_manager):
    """`dataset` on the group reaches every subtask (run through the group, as configs do)."""
    leaves = task_manager.load(["mmlu"])["tasks"]
    assert len(leaves) == 57
    assert all(t.config.dataset_path.endswith(os.path.join("cais", "mmlu")) for t in leaves.values())
    t = leaves["mmlu_abstract_algebra"]
    assert [d["question"] for d in t.test_docs()] == [mmlu_row("abstract_algebra", "test", 0)["question"]]
    assert [d["question"] for d in t.fewshot_docs()] == [mmlu_row("abstract_algebra", "dev", 0)["question"]]


# ---------------------------------------------------------------- override plumbing

def test_lm_eval_yaml_finds_builtin_tasks_groups_and_include_path_tasks():
    root = os.path.join(os.path.dirname(lm_eval.__file__), "tasks")
    assert tasks.lm_eval_yaml("gsm8k") == os.path.join(root, "gsm8k", "gsm8k.yaml")
    assert tasks.lm_eval_yaml("mmlu") == os.path.join(root, "mmlu", "default", "_mmlu.yaml")
    assert tasks.lm_eval_yaml("cola") == os.path.join(root, "glue", "cola", "default.yaml")
    apps = os.path.join(REPO, "tasks", "apps")
    assert tasks.lm_eval_yaml("apps_introductory", [apps]) == os.path.join(apps, "apps_introductory.yaml")
    with pytest.raises(ValueError, match="no task or group 'apps_introductory'"):
        tasks.lm_eval_yaml("apps_introductory")


def test_a_task_without_dataset_gets_no_override(tmp_path):
    assert tasks.lm_eval_include({"name": "gsm8k", "source": "lm_eval"}, str(tmp_path)) == []
    apps = {"name": "apps_introductory", "source": "lm_eval", "include_path": "tasks/apps"}
    assert list(map(os.path.abspath, tasks.lm_eval_include(apps, str(tmp_path)))) == [os.path.join(REPO, "tasks", "apps")]
    assert os.listdir(tmp_path) == []


def test_dataset_override_keeps_the_task_and_sets_only_the_data(tmp_path, hub):
    from lm_eval.tasks._yaml_loader import load_yaml

    spec = {"name": "gsm8k", "source": "lm_eval",
            "dataset": {"path": "json", "name": None, "data_files": {"train": str(hub / "x.jsonl")}}}
    (d,) = tasks.lm_eval_include(spec, str(tmp_path))
    cfg = load_yaml(os.path.join(d, "gsm8k.yaml"), resolve_func=False)
    builtin = load_yaml(tasks.lm_eval_yaml("gsm8k"), resolve_func=False)
    assert cfg == {**builtin, "dataset_path": "json", "dataset_name": None,
                   "dataset_kwargs": {"data_files": {"train": str(hub / "x.jsonl")}}}


# ---------------------------------------------------------------- pretraining-loss corpus

def test_c4_validation_file_by_datasets_spec(offline, hub):
    """The paper configs' C4 spec with the hub id swapped for the local json loader: the
    file is C4's validation shard, so split: validation must find it."""
    path = str(hub / "allenai" / "c4" / C4_FILE)
    spec = {"dataset": "json", "split": "validation", "data_files": path}
    assert pretrain_loss.read_texts(spec, 2) == [r["text"] for r in C4[:2]]
    assert pretrain_loss.read_texts({**spec, "data_files": [path]}, 10) == [r["text"] for r in C4]


def test_c4_local_copy_folder_like_the_paper_config(offline, hub):
    """configs/openllama_v1.yaml's spec, with `dataset` the local copy's folder."""
    with open(os.path.join(REPO, "configs", "openllama_v1.yaml")) as f:
        spec = dict(yaml.safe_load(f)["pretrain_loss"]["corpus"])
    assert spec["data_files"] == C4_FILE
    spec["dataset"] = str(hub / "allenai" / "c4")
    spec.pop("name")  # a hub config name; the local folder is read by its files
    assert pretrain_loss.read_texts(spec, 3) == [r["text"] for r in C4]


def test_text_field_names_the_column(offline, tmp_path):
    path = str(tmp_path / "pile.jsonl")
    jsonl(path, [{"contents": "first document", "meta": {"pile_set_name": "Pile-CC"}},
                 {"contents": "second document", "meta": {"pile_set_name": "Github"}}])
    spec = {"dataset": "json", "split": "train", "data_files": path, "text_field": "contents"}
    assert pretrain_loss.read_texts(spec, 5) == ["first document", "second document"]
    with pytest.raises(ValueError, match="no field 'text'.*set text_field"):
        pretrain_loss.read_texts({**spec, "text_field": "text"}, 5)


# ---------------------------------------------------------------- config field

def test_config_dataset_field():
    from emergence import config as cfg

    with open(os.path.join(REPO, "configs", "openllama_v1.yaml")) as f:
        c = yaml.safe_load(f)
    c["tasks"][0]["dataset"] = {"path": "/data/hub/cais/mmlu"}
    c["tasks"][1]["dataset"] = {"path": "json", "name": None, "data_files": {"train": "a.jsonl", "test": "b.jsonl"}}
    cfg.validate(c, "my.yaml")
    c["tasks"][0]["dataset"] = {"paht": "/data/hub/cais/mmlu"}
    with pytest.raises(cfg.ConfigError, match=r"my.yaml: field 'tasks.0.dataset'"):
        cfg.validate(c, "my.yaml")
    with open(os.path.join(REPO, "tests", "config", "test.yaml")) as f:
        toy = yaml.safe_load(f)
    toy["tasks"][0]["dataset"] = {"path": "/data/x"}
    with pytest.raises(cfg.ConfigError, match=r"field 'tasks.0.dataset': only for lm_eval tasks"):
        cfg.validate(toy, "my.yaml")


# ---------------------------------------------------------------- one prompt

@pytest.mark.parametrize("name,k", [("mmlu", 5), ("gsm8k", 3), ("commonsense_qa", 6), ("cola", 2)])
def test_finetuning_sequence_is_lm_evals_own_fewshot_prompt(specs, task_manager, name, k):
    """A training sequence (k demonstrations, then a query and its answer) is the string lm-eval
    scores for the same documents: its few-shot context plus the target delimiter and answer."""
    from emergence import prompt

    leaves = task_manager.load([name])["tasks"]
    t = leaves[sorted(leaves)[0]]  # mmlu: its first subject
    # labelled documents only (a hub test split may hide its answers); the local copies are small
    pool = [d for split in sorted(t.dataset) if split != "test" for d in t.dataset[split]]
    docs = [pool[i % len(pool)] for i in range(k + 1)]
    demos, query = docs[:k], docs[k]
    t.sampler.sample = lambda n, eval_doc=None, **kw: demos[:n]  # lm-eval's sampler picks these documents
    want = t.fewshot_context(query, k) + t.config.target_delimiter + tasks.lm_eval_record(t, query)["target"]
    records = [tasks.lm_eval_record(t, d) for d in docs]
    got = prompt.of_record(records[-1], None).render(records)
    assert got == want
    if name.startswith("mmlu"):
        assert got.startswith("The following are multiple choice questions") and "\n\n" in got


def test_toy_prompt_is_the_templates(tmp_path):
    from emergence import prompt

    fmt = prompt.for_task({"source": "toy", "template": "jsonl_multiple_choice.yaml"}, REPO)
    assert fmt == prompt.PromptFormat(" ", " | ", "")
    recs = [{"context": "a b", "target": "c"}, {"context": "d e", "target": "f"}]
    assert fmt.render(recs) == "a b c | d e f"
