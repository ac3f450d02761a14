# Config validation, the job plan (emergence.plan) and the layout of results (emergence.layout),
# and the one-line input adapters that ask them.
import gc
import math
import os
import sys

# Internal, not public API: Snakemake has no public way to record an input function's
# parameters once (see per_job). tests/test_resources.py fails loudly if these move.
from snakemake.common import get_function_params, overwrite_function_params
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from emergence import config as cfg
from emergence.layout import other_run
from emergence.plan import Plan
from emergence.tasks import GENERATOR_VERSION

# Planning allocates millions of small, long-lived objects (jobs, files, wildcards): with
# Python's default first-generation threshold (700 allocations) a 10,000-job dry run spends
# 2.1 s in ~4,400 garbage collections. A larger threshold (same ratios between generations)
# collects ~70x less often: 0.8 s, and the same peak memory (392 vs 394 MB). Only while the
# DAG is built: the Snakefile's onstart handler puts Python's defaults back before any job runs.
GC_DEFAULT = gc.get_threshold()
gc.set_threshold(50_000, 10, 10)


def refuse(message):
    """Stop before any job with one line (a raised error is wrapped in Snakemake's file and
    line context, four lines for one fact)."""
    print(message, file=sys.stderr)
    sys.exit(1)


# Schema first (types, unknown keys, empty lists; fills defaults), then the cross-field
# checks a schema cannot express. Both fail before any job is planned, naming the file and
# the field in one line (Snakemake's own message dumps the whole config).
# Snakemake's validate fills the defaults; ours also refuses 30.0 where a whole number belongs
# and names the field in one line.
_source = ", ".join(map(str, workflow.configfiles)) or "config"
_problem = cfg.file_problem(workflow.configfiles) or cfg.size_problem(config) or cfg.key_problem(config)
if not _problem:
    try:
        validate(config, "../schemas/config.schema.yaml")
    except WorkflowError:
        pass
    _problem = cfg.schema_problem(config, _source)
_problem = _problem or "; ".join(cfg.check(config))
if _problem:
    refuse(f"invalid config ({_source}): {_problem}")
_canonical = cfg.canonical(dict(config))
config.clear()
config.update(_canonical)

OUT = f"results/{config['name']}"
# one results folder per experiment name: a second config file claiming the same name would
# mix its outputs with the first one's (the claim itself is written by onstart, when jobs run)
_claim = cfg.results_owner_problem(OUT, workflow.configfiles)
if _claim:
    refuse(_claim)
PLAN = Plan(config, OUT)  # the job plan (emergence.plan); every input function asks it
LAYOUT = PLAN.layout  # every shared results path (emergence.layout)
CKPTS = PLAN.ckpts
TASKS = PLAN.tasks
FT = PLAN.ft
FT_TASKS = PLAN.ft_tasks
PU = PLAN.pu
JOBS = PLAN.jobs
MC_TASKS = PLAN.mc_tasks
RECIPE_KINDS = {name: spec["kind"] for name, spec in PLAN.recipes.items()}  # Fig. 11 finds prefix tuning
QUALITY = config.get("quality")  # the case studies against another run (rules/quality.smk, rules/future.smk)
FUTURE = config.get("future")


QUALITY_BASELINE = other_run(QUALITY["baseline"], QUALITY["task"]) if QUALITY else {}
FUTURE_LONGER = other_run(FUTURE["longer"], FUTURE["task"]) if FUTURE else {}
QUALITY_SIZE = (QUALITY.get("size") or FT["size"]) if QUALITY else None
FUTURE_SIZE = (FUTURE.get("size") or FT["size"]) if FUTURE else None
QUALITY_CHANCE = TASKS[QUALITY["task"]].get("chance") if QUALITY else None
FUTURE_CHANCE = TASKS[FUTURE["task"]].get("chance") if FUTURE else None


def other_run_inputs(paths, field):
    """Another run's files as the case study's inputs when they all exist while planning, so
    that a refit there reruns the study here. The other run may still be on its way (started
    beside this one): then they are no inputs, planning says so in one line, and the study's
    own job names what is missing when it runs."""
    missing = [p for p in paths.values() if not os.path.exists(p)]
    if missing:
        print(f"note: {field}: {missing[0]} does not exist yet; the case study needs it when it runs", file=sys.stderr)
        return []
    return list(paths.values())


QUALITY_INPUTS = other_run_inputs(QUALITY_BASELINE, "quality.baseline") if QUALITY else []
FUTURE_INPUTS = other_run_inputs(FUTURE_LONGER, "future.longer") if FUTURE else []


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
    return PLAN.series[name]


def size_manifest(series, size):
    """The job output that makes a checkpoint exist: the toy manifest, or nothing for hf."""
    return [LAYOUT.size_manifest(series, size)] if series_spec(series)["source"] == "toy" else []


@per_job
def size_ckpts(wildcards):
    return [c for c in CKPTS.values() if c["series"] == wildcards.series and c["size"] == wildcards.size]


@per_job
def pretrain_loss_inputs(wildcards):
    heldout = config["pretrain_loss"]["corpus"]
    if isinstance(heldout, dict):  # a datasets spec, read at run time
        corpus = []
    else:
        corpus = LAYOUT.heldout() if heldout == "toy" else cfg.resolve(heldout)
    return {"manifest": size_manifest(wildcards.series, wildcards.size), "corpus": corpus}


@per_job
def pretrain_loss_tables(wildcards):
    return sorted({LAYOUT.pretrain_loss_table(c["series"], c["size"]) for c in CKPTS.values()})


def task_files(task, *names):
    return [] if TASKS[task]["source"] == "lm_eval" else [LAYOUT.task_file(task, n) for n in names]


def pool_file(task):
    return LAYOUT.pool(task, TASKS[task]["source"] == "lm_eval")


@per_job
def subsets_pool(wildcards):
    return pool_file(wildcards.task)


def job_manifests(ckpts):
    return sorted({f for c in ckpts for f in size_manifest(c["series"], c["size"])})


@per_job
def finetune_ckpts(wildcards):
    return [PLAN.loadable(c) for c in JOBS["finetune"][wildcards.job]]


@per_job
def passuntil_ckpts(wildcards):
    return [PLAN.loadable(c) for c in JOBS["passuntil"][wildcards.job]]


@per_job
def finetune_inputs(wildcards):
    return {
        "manifest": job_manifests(finetune_ckpts(wildcards)),
        "subsets": [LAYOUT.subsets(t) for t in FT_TASKS],
        "pools": [pool_file(t) for t in FT_TASKS],
    }


@per_job
def evaluate_inputs(wildcards):
    return {
        "manifest": job_manifests(CKPTS[c] for c in JOBS["evaluate"][wildcards.job]),
        "tasks": [f for t in TASKS for f in task_files(t, f"{t}.yaml", "test.jsonl", "fewshot.jsonl")],
        "finetuned": PLAN.finetuned_dirs(wildcards.job),
    }


@per_job
def eval_ckpts(wildcards):
    return PLAN.eval_ckpts(wildcards.job)


def final_outputs():
    out = [LAYOUT.observations(), LAYOUT.checkpoints()]
    out += [LAYOUT.fit(t) for t in FT_TASKS]
    out += [LAYOUT.card(t, e) for t in FT_TASKS for e in ("md", "json", "html")]
    out += [LAYOUT.cards_summary()] if FT_TASKS else []
    figs = ["fig3", "fig4", "fig5", "fig6", "fig7", "fig10", "fig11", "fig12", "fig13", "scorecard"]
    out += [LAYOUT.figure(t, f) for t in FT_TASKS for f in figs]
    out += [LAYOUT.table(t, "html") for t in ("predictions", "holdout_ablation", "uncertainty") if FT_TASKS]
    if FT_TASKS:
        out += [LAYOUT.table(t) for t in ("predictions", "holdout_ablation", "uncertainty", "scorecard")]
    out += [LAYOUT.figure(t, "metric_chain") for t in MC_TASKS]
    if PU:
        out += [LAYOUT.figure(PU["task"], "passuntil")]
    if QUALITY:
        out += [LAYOUT.figure(QUALITY["task"], "quality"), LAYOUT.table("quality", "md")]
    if FUTURE:
        out += [LAYOUT.figure(FUTURE["task"], "future"), LAYOUT.table("future", "md")]
    return out


@per_job
def toy_model(wildcards):
    return series_spec(wildcards.series)["sizes"][wildcards.size]["model"]


@per_job
def toy_threads(wildcards):
    """Threads of a toy pretraining job. With toy.train.loss_chunk the output layer's loss runs
    on two workers, bit for bit the series one would train (emergence.chunked_ce), 1.4-1.5x faster
    a step at 4,096 words; transformers' loss has nothing to split, and a second torch thread
    slows a tiny model, so those jobs keep one core and several sizes train side by side.
    Snakemake lowers it to --cores; a profile's set-threads overrides it."""
    return 2 if config["toy"]["train"].get("loss_chunk") else 1


@per_job
def fit_threads(wildcards):
    """Threads of a fit job: its bootstrap refits and next-run candidates (most of its time) run
    in this many worker processes, with the same result (emergence.parallel). 2 where the run
    fits one task, which would otherwise fit alone at the end of the run beside an idle core; 1
    where several fits share the cores. Snakemake lowers it to --cores; a profile's set-threads
    overrides it."""
    return 2 if len(FT_TASKS) == 1 else 1


@per_job
def size_spec(wildcards):
    return {**series_spec(wildcards.series)["sizes"][wildcards.size], **PLAN.load_options(wildcards.series)}


@per_job
def task_spec(wildcards):
    return TASKS[wildcards.task]


@per_job
def config_finetune_runs(wildcards):
    return list(PLAN.ft_grid)


@per_job
def evaluate_tables(wildcards):
    return [LAYOUT.evaluate_table(job) for job in JOBS["evaluate"]]


def collect_inputs(wildcards):
    """Every evaluation table, and PassUntil's pass rates when a task is sampled (they go
    into the observations so a fit can score PassUntil beside the law)."""
    inputs = {"checkpoints": LAYOUT.checkpoints(), "evals": evaluate_tables(wildcards)}
    if PU:
        inputs["passuntil"] = LAYOUT.table(f"passuntil_{PU['task']}")
    return inputs


@per_job
def eval_dirs(wildcards):
    """checkpoint id -> the folder of its lm-eval runs."""
    return {c: LAYOUT.evaluate_dir(job, c) for c, job in PLAN.eval_job_of.items()}


@per_job
def passuntil_inputs(wildcards):
    return {
        "manifest": job_manifests(passuntil_ckpts(wildcards)),
        "task": task_files(PU["task"], f"{PU['task']}.yaml", "test.jsonl", "fewshot.jsonl"),
    }


@per_job
def passuntil_tables(wildcards):
    return [LAYOUT.passuntil_runs(job) for job in JOBS["passuntil"]]


# Resources scaled by model size. The numbers are machine facts and live in the profile, as
# custom resources of one rule (set-resources) or of all rules (default-resources), named
#   mem_mb_base, mem_mb_per_gparam           host memory: base + per billion parameters
#   runtime_base, runtime_per_gparam_run     minutes: base + per billion parameters per run
# (a run: one task evaluated few-shot or one finetuned model evaluated, one finetune, one
# PassUntil sampling). The rules compute their requests from the checkpoint's size. Without
# the per-gparam numbers (profiles/default, profiles/slurm) they set nothing, and the
# profile's own mem_mb and runtime stand.
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
                refuse(f"profile: resource {name} of rule {rule_name} must be a number, got {value!r}")
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
            refuse(f"profile: set-resources gives rule {rule_name} both {res} and {per_name}; keep one")
        base = profile_number(rule_name, f"{res}_base") or 0.0
        out[res] = _scaled_request(rule_name, res, base, per)
    return out


def _scaled_request(rule_name, res, base, per):
    """The resource function: base + per * billions of parameters (* runs for runtime)."""
    per_run = res == "runtime"

    @per_job
    def request(wildcards):
        n = PLAN.job_work(rule_name, wildcards.job, per_run)  # one checkpoint, or a step window's
        return math.ceil(round(base + per * n, 6))  # no float noise: 16000 + 4000 * 3.43 -> 29720

    request.__name__ = request.__qualname__ = f"{rule_name}_{res}"
    return request
