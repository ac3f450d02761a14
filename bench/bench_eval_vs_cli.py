"""One checkpoint x task through the suite's evaluation vs the plain lm_eval CLI.

    .venv/bin/python bench/bench_eval_vs_cli.py [--results results/toy] [--task rule] [--ckpt toy-m-step180]

Both run as fresh processes on the same model, task, few-shot count, batch size and seed;
prints both metrics (they must match), the suite's wall time divided by the CLI's, and
where the suite's seconds go (imports, task index, model load, first and a second run). The
suite avoids the CLI's index of lm-eval's ~10k built-in tasks (TaskManager with
include_defaults=False) and, inside a workflow job, evaluates every finetuned model of a
checkpoint in one process.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time


REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", default=os.path.join(REPO, "results", "toy"))
    ap.add_argument("--task", default="rule")
    ap.add_argument("--ckpt", default=None)
    ap.add_argument("--num-fewshot", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=64)
    a = ap.parse_args()
    ckpts = sorted(glob.glob(os.path.join(a.results, "series", "*", "*", "step*")))
    path = next((c for c in ckpts if a.ckpt and c.endswith(a.ckpt.split("-step")[-1])), ckpts[-1])
    include = os.path.join(a.results, "tasks")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1"}
    out = tempfile.mkdtemp(prefix="bench-cli-")
    cli = [os.path.join(os.path.dirname(sys.executable), "lm_eval"), "--model", "hf", "--model_args",
           f"pretrained={path},dtype=float32", "--tasks", a.task, "--include_path", include, "--num_fewshot",
           str(a.num_fewshot), "--batch_size", str(a.batch_size), "--device", "cpu", "--seed", "1234",
           "--output_path", out]
    t0 = time.time()
    subprocess.run(cli, check=True, env=env, capture_output=True)
    t_cli = time.time() - t0
    res = json.load(open(glob.glob(os.path.join(out, "**", "results_*.json"), recursive=True)[0]))
    v_cli = res["results"][a.task]
    # the suite's process, timed by phase: where its seconds go (the CLI's are one number)
    code = f"""
import time; t0 = time.time()
import json, torch; torch.set_num_threads(1)
from emergence import evaluate
import lm_eval.evaluator, lm_eval.models.huggingface
t1 = time.time()
ev = evaluate.Evaluator({include!r}, batch_size={a.batch_size})
t2 = time.time()
m = evaluate.load_model({path!r}); tok = evaluate.load_tokenizer({path!r})
t3 = time.time()
r = ev.run(m, tok, {a.task!r}, {a.num_fewshot})
t4 = time.time()
r2 = ev.run(m, tok, {a.task!r}, {a.num_fewshot})
t5 = time.time()
print(json.dumps(dict(imports=t1 - t0, task_manager=t2 - t1, load=t3 - t2, first_run=t4 - t3, second_run=t5 - t4)))
print(json.dumps(r["results"][{a.task!r}]))
"""
    t0 = time.time()
    p = subprocess.run([sys.executable, "-c", code], check=True, env=env, capture_output=True, text=True)
    t_suite = time.time() - t0
    v_suite = json.loads(p.stdout.strip().splitlines()[-1])
    phases = json.loads(p.stdout.strip().splitlines()[-2])
    keys = sorted(k for k in v_cli if k.split(",")[0] in ("acc", "acc_norm", "exact_match"))
    print(f"checkpoint {path}, task {a.task}, {a.num_fewshot}-shot")
    for k in keys:
        print(f"  {k}: CLI {v_cli[k]}  suite {v_suite.get(k)}  {'identical' if v_cli[k] == v_suite.get(k) else 'DIFFERENT'}")
    print(f"wall time: CLI {t_cli:.1f} s, suite {t_suite:.1f} s, suite / CLI = {t_suite / t_cli:.2f}")
    print("suite process by phase (s): " + ", ".join(f"{k} {v:.2f}" for k, v in phases.items())
          + f"; interpreter start and exit {t_suite - sum(phases.values()):.2f}")
    print("  (second_run is a further evaluation in the same process: what each extra run of an evaluate job costs)")


if __name__ == "__main__":
    main()
