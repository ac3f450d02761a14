# Config validation, derived names and input functions shared by the rule files.
import gc
import math
import os
import re

# Internal, not public API: Snakemake has no public way to record an input function's
# parameters once (see per_job). tests/test_resources.py fails loudly if these move.
from snakemake.common import get_function_params, overwrite_function_params
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from emergence import config as cfg
from emergence.tasks import GENERATOR_VERSION

# Planning allocates millions of small, long-lived objects (jobs, files, wildcards): with
# Python's default first-generation threshold (700 allocations) a 10,000-job dry run spends
# 2.1 s in ~4,400 garbage collections. A larger threshold (same ratios between generations)
# collects ~70x less often: 0.8 s, and the same peak memory (392 vs 394 MB). Only while the
# DAG is built: the Snakefile's onstart handler puts Python's defaults back before any job runs.
GC_DEFAULT = gc.get_threshold()
gc.set_threshold(50_000, 10, 10)

# Schema first (types, unknown keys, empty lists; fills defaults), then the cross-field
# checks a schema cannot express. Both fail before any job is planned, naming the file and
# the field in one line (Snakemake's own message dumps the whole config).
_source = ", ".join(map(str, workflow.configfiles)) or "config"
_problem = cfg.size_problem(config)
if not _problem:
    try:
        validate(config, "../schemas/config.schema.yaml")
    except WorkflowError:
        _problem = cfg.schema_problem(config, _source)
_problem = _problem or "; ".join(cfg.check(config))
if _problem:
    raise cfg.ConfigError(f"invalid config ({_source}): {_problem}")
_canonical = cfg.canonical(dict(config))
config.clear()
config.update(_canonical)

OUT = f"results/{config['name']}"
# one results folder per experiment name: a second config file claiming the same name would
# mix its outputs with the first one's
_claim = cfg.claim_results(OUT, workflow.configfiles)
if _claim:
    raise cfg.ConfigError(_claim)
CKPTS = {c["ckpt"]: c for c in cfg.checkpoints(config, OUT)}
TASKS = {t["name"]: t for t in config["tasks"]}
FT = config.get("finetune")
FT_TASKS = FT["tasks"] if FT else []
FT_CKPTS = cfg.finetuned_ckpts(config)
FT_GRID = cfg.finetune_grid(config)  # the same (task, method, D, draw) runs for every grid checkpoint
PU = config.get("passuntil")
PU_CKPTS = cfg.passuntil_ckpts(config)
# Per-checkpoint stages run one job per checkpoint or per step window (step_window): job id ->
# checkpoint ids. A window shares one process start and import (~5 s) among its checkpoints.
EVAL_JOBS = cfg.step_jobs(list(CKPTS.values()), config["evaluate"]["step_window"])
EVAL_JOB_OF = {c: job for job, cs in EVAL_JOBS.items() for c in cs}
FT_JOBS = cfg.step_jobs([CKPTS[c] for c in FT_CKPTS], FT["step_window"]) if FT else {}
FT_JOB_OF = {c: job for job, cs in FT_JOBS.items() for c in cs}
PU_JOBS = cfg.step_jobs([CKPTS[c] for c in PU_CKPTS], PU["step_window"]) if PU else {}
JOBS = {"evaluate": EVAL_JOBS, "finetune": FT_JOBS, "passuntil": PU_JOBS}
# multiple-choice tasks have per-choice log-likelihoods: the metric chain runs on them
MC_TASKS = [t for t, s in TASKS.items() if "multiple_choice" in s.get("template", "")]


def per_job(func):
    """Mark an input, params or resources function. Snakemake inspects a function's signature
    on every call, several times per job (~1 s of a 10,000-job dry run); recording it once
    through Snakemake's own hook (snakemake.common.overwrite_function_params, which its ioutils
    helpers use) passes the same arguments without the per-call inspection."""
    overwrite_function_params(func, get_function_params(func))
    return func


wildcard_constraints:
    series=r"[A-Za-z0-9_.]+",
    size=r"[A-Za-z0-9_.]+",
    job=r"[A-Za-z0-9_.]+-[A-Za-z0-9_.]+-steps?[0-9]+",
    task=r"[A-Za-z0-9_.]+",


def series_spec(name):
    return next(s for s in config["series"] if s["name"] == name)


def size_manifest(series, size):
    """The job output that makes a checkpoint exist: the toy manifest, or nothing for hf."""
    if series_spec(series)["source"] == "toy":
        return [f"{OUT}/series/{series}/{size}.csv"]
    return []


@per_job
def size_ckpts(wildcards):
    return [c for c in CKPTS.values() if c["series"] == wildcards.series and c["size"] == wildcards.size]


@per_job
def pretrain_loss_inputs(wildcards):
    heldout = config["pretrain_loss"]["corpus"]
    if isinstance(heldout, dict):  # a datasets spec, read at run time
        corpus = []
    else:
        corpus = f"{OUT}/corpus/heldout.jsonl" if heldout == "toy" else heldout
    return {"manifest": size_manifest(wildcards.series, wildcards.size), "corpus": corpus}


@per_job
def pretrain_loss_tables(wildcards):
    return sorted({f"{OUT}/pretrain_loss/{c['series']}/{c['size']}.csv" for c in CKPTS.values()})


def task_files(task, *names):
    if TASKS[task]["source"] == "lm_eval":
        return []
    return [f"{OUT}/tasks/{task}/{n}" for n in names]


def pool_file(task):
    """The finetuning pool: generated with a toy task, or exported from an lm-eval task."""
    if TASKS[task]["source"] != "lm_eval":
        return f"{OUT}/tasks/{task}/pool.jsonl"
    return f"{OUT}/tasks/{task}/train_pool.jsonl"


@per_job
def subsets_pool(wildcards):
    return pool_file(wildcards.task)


def job_manifests(ckpts):
    return sorted({f for c in ckpts for f in size_manifest(c["series"], c["size"])})


@per_job
def finetune_ckpts(wildcards):
    return [{**CKPTS[c], **load_options(CKPTS[c]["series"])} for c in FT_JOBS[wildcards.job]]


@per_job
def passuntil_ckpts(wildcards):
    return [{**CKPTS[c], **load_options(CKPTS[c]["series"])} for c in PU_JOBS[wildcards.job]]


@per_job
def finetune_inputs(wildcards):
    files = {"manifest": job_manifests(finetune_ckpts(wildcards))}
    files["subsets"] = [f"{OUT}/subsets/{t}.json" for t in FT_TASKS]
    files["pools"] = [pool_file(t) for t in FT_TASKS]
    return files


@per_job
def evaluate_inputs(wildcards):
    ckpts = EVAL_JOBS[wildcards.job]
    files = {"manifest": job_manifests(CKPTS[c] for c in ckpts)}
    files["tasks"] = [f for t in TASKS for f in task_files(t, f"{t}.yaml", "test.jsonl", "fewshot.jsonl")]
    files["finetuned"] = sorted({f"{OUT}/finetune/{FT_JOB_OF[c]}" for c in ckpts if c in FT_JOB_OF})
    return files


@per_job
def eval_ckpts(wildcards):
    """The evaluate job's checkpoints, each with what it runs: few-shot on every task, plus
    its finetunes (in the folder `finetuned`, inside one of input.finetuned)."""
    fewshot = [{"task": t, "method": "fewshot", "data_amount": 0, "subset_sample": 0} for t in TASKS]
    out = []
    for c in EVAL_JOBS[wildcards.job]:
        ft = (
            {"runs": fewshot + FT_GRID, "finetuned": f"{OUT}/finetune/{FT_JOB_OF[c]}/{c}"}
            if c in FT_JOB_OF
            else {"runs": fewshot}
        )
        out.append({**CKPTS[c], **load_options(CKPTS[c]["series"]), **ft})
    return out


def final_outputs():
    out = [f"{OUT}/observations.csv", f"{OUT}/checkpoints.csv"]
    out += [f"{OUT}/fits/{t}.json" for t in FT_TASKS]
    figs = ["fig3", "fig4", "fig5", "fig6", "fig7", "fig10", "fig12", "fig13"]
    out += [f"{OUT}/figures/{t}/{f}.png" for t in FT_TASKS for f in figs]
    out += [f"{OUT}/tables/{t}.html" for t in ("predictions", "holdout_ablation", "uncertainty") if FT_TASKS]
    if FT_TASKS:
        out += [f"{OUT}/tables/{t}.csv" for t in ("predictions", "holdout_ablation", "uncertainty")]
    out += [f"{OUT}/figures/{t}/metric_chain.png" for t in MC_TASKS]
    if PU:
        out += [f"{OUT}/figures/{PU['task']}/passuntil.png"]
    return out


@per_job
def toy_model(wildcards):
    return series_spec(wildcards.series)["sizes"][wildcards.size]["model"]


def load_options(series):
    """How a series' checkpoints are loaded (per series in the config)."""
    s = series_spec(series)
    return {"trust_remote_code": s.get("trust_remote_code", False), "tokenizer_use_fast": s.get("tokenizer_use_fast", True)}


@per_job
def size_spec(wildcards):
    return {**series_spec(wildcards.series)["sizes"][wildcards.size], **load_options(wildcards.series)}


@per_job
def task_spec(wildcards):
    return TASKS[wildcards.task]


@per_job
def config_finetune_runs(wildcards):
    return list(FT_GRID)


@per_job
def evaluate_tables(wildcards):
    return [f"{OUT}/evaluate/{job}.csv" for job in EVAL_JOBS]


@per_job
def eval_dirs(wildcards):
    """checkpoint id -> the folder of its lm-eval runs."""
    return {c: f"{OUT}/evaluate/{job}/{c}" for c, job in EVAL_JOB_OF.items()}


@per_job
def passuntil_inputs(wildcards):
    return {
        "manifest": job_manifests(passuntil_ckpts(wildcards)),
        "task": task_files(PU["task"], f"{PU['task']}.yaml", "test.jsonl", "fewshot.jsonl"),
    }


@per_job
def passuntil_tables(wildcards):
    return [f"{OUT}/passuntil/runs/{job}.csv" for job in PU_JOBS]


# Resources scaled by model size. The numbers are machine facts and live in the profile, as
# custom resources of one rule (set-resources) or of all rules (default-resources), named
#   mem_mb_base, mem_mb_per_gparam           host memory: base + per billion parameters
#   runtime_base, runtime_per_gparam_run     minutes: base + per billion parameters per run
# (a run: one task evaluated few-shot or one finetuned model evaluated, one finetune, one
# PassUntil sampling). The rules compute their requests from the checkpoint's size. Without
# the per-gparam numbers (profiles/default, profiles/slurm) they set nothing, and the
# profile's own mem_mb and runtime stand.
_SIZE_LABEL = re.compile(r"(\d+(?:\.\d+)?)([mb])", re.I)


def size_gparams(series, size):
    """Billions of parameters of a size: its `params` in the config; else read from the size
    label, a number and m or b ('410m' -> 0.41, '1.4b' -> 1.4, '13b' -> 13); else 0 (toy
    sizes such as 's' are tiny: the base values alone)."""
    spec = series_spec(series)["sizes"][size]
    if spec.get("params"):
        return spec["params"] / 1e9
    m = _SIZE_LABEL.fullmatch(size)
    if m:
        return float(m.group(1)) * (1e-3 if m.group(2).lower() == "m" else 1.0)
    return 0.0


def job_runs(rule_name, ckpt):
    """How many runs one job of the rule does on a checkpoint (what its runtime scales with)."""
    if rule_name == "finetune":
        return len(FT_GRID)
    if rule_name == "evaluate":
        return len(TASKS) + (len(FT_GRID) if ckpt in FT_CKPTS else 0)
    return 1


def profile_number(rule_name, name):
    """A number the profile gives for the rule (set-resources) or for all rules
    (default-resources); None when it gives none."""
    settings = workflow.resource_settings
    for scope in (settings.overwrite_resources.get(rule_name) or {}, settings.default_resources or {}):
        if name in scope:
            value = getattr(scope[name], "raw", scope[name])  # a parsed Resource, or as given
            try:
                return float(value)
            except (TypeError, ValueError):
                raise cfg.ConfigError(f"profile: resource {name} of rule {rule_name} must be a number, got {value!r}")
    return None


def size_scaled_resources(rule_name):
    """mem_mb and runtime functions of the job's checkpoint(s) for the rule, for those
    the profile gives per-gparam numbers; {} when it gives none."""
    out = {}
    for res, per_name in (("mem_mb", "mem_mb_per_gparam"), ("runtime", "runtime_per_gparam_run")):
        per = profile_number(rule_name, per_name)
        if per is None:
            continue
        if res in (workflow.resource_settings.overwrite_resources.get(rule_name) or {}):
            raise cfg.ConfigError(f"profile: set-resources gives rule {rule_name} both {res} and {per_name}; keep one")
        base = profile_number(rule_name, f"{res}_base") or 0.0
        out[res] = _scaled_request(rule_name, res, base, per)
    return out


def _scaled_request(rule_name, res, base, per):
    """The resource function: base + per * billions of parameters (* runs for runtime)."""
    per_run = res == "runtime"

    @per_job
    def request(wildcards):
        ckpts = JOBS[rule_name][wildcards.job]  # one checkpoint, or a step window's
        sizes = [size_gparams(CKPTS[c]["series"], CKPTS[c]["size"]) for c in ckpts]
        n = sum(g * job_runs(rule_name, c) for g, c in zip(sizes, ckpts)) if per_run else max(sizes)
        return math.ceil(round(base + per * n, 6))  # no float noise: 16000 + 4000 * 3.43 -> 29720

    request.__name__ = request.__qualname__ = f"{rule_name}_{res}"
    return request
