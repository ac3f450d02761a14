"""The k-shot prompt format, in one typed place, read from the task's own lm-eval config.

The method's premise (SPEC section 1) is that a finetuned model is scored in the same
k-shot format as the few-shot baseline, so finetuning must train on exactly the strings
lm-eval scores: the task's description, then each demonstration as
doc_to_text + target_delimiter + answer, separated by fewshot_delimiter, then the query
and its answer. lm-eval's defaults are " " and "\\n\\n" (MMLU adds a description line);
the toy templates use " " and " | ". A recipe never sets the format: the task does.

Rendering follows lm-eval 0.4's ConfigurableTask.fewshot_context without a system
instruction, chat template or gen_prefix (tests/test_prompt.py checks the strings match on
local MMLU-, GSM8K-, CommonsenseQA- and CoLA-format copies).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import yaml

LM_EVAL_DEFAULTS = dict(target_delimiter=" ", fewshot_delimiter="\n\n", description="")


@dataclass(frozen=True)
class PromptFormat:
    target_delimiter: str = " "
    fewshot_delimiter: str = "\n\n"
    description: str = ""

    def segments(self, examples: list[dict]) -> list[tuple[str, bool]]:
        """A k-shot training sequence as (text, is_answer) pieces: the description, then for
        each example its context and its answer (target_delimiter + target), with
        fewshot_delimiter between examples. Only answers are trained on."""
        out = [(self.description, False)] if self.description else []
        for i, ex in enumerate(examples):
            if i:
                out.append((self.fewshot_delimiter, False))
            out += [(ex["context"], False), (self.target_delimiter + ex["target"], True)]
        return out

    def render(self, examples: list[dict]) -> str:
        return "".join(text for text, _ in self.segments(examples))


def from_template(path: str) -> PromptFormat:
    """The format of a toy or files task: its template YAML (lm-eval's defaults where unset)."""
    with open(path) as f:
        spec = yaml.safe_load(f) or {}
    return PromptFormat(**{k: spec.get(k, v) for k, v in LM_EVAL_DEFAULTS.items()})


def from_lm_eval(task, doc=None) -> PromptFormat:
    """The format of a loaded lm-eval task (a ConfigurableTask); the description may be a
    template of the document, so it is resolved for `doc`."""
    cfg, fs = task.config, getattr(task, "fewshot_cfg", None)
    desc = task.resolve_field(doc, cfg.description) if doc is not None and cfg.description else cfg.description
    return PromptFormat(target_delimiter=getattr(fs, "target_delimiter", None) or cfg.target_delimiter,
                        fewshot_delimiter=getattr(fs, "fewshot_delimiter", None) or cfg.fewshot_delimiter,
                        description=desc or "")


def for_task(spec: dict, repo: str) -> PromptFormat | None:
    """The format of a config task entry: toy and files tasks read their template; lm_eval
    tasks carry theirs in each pool record (None here)."""
    if spec.get("source") == "lm_eval":
        return None
    return from_template(os.path.join(repo, "tasks", spec["template"]))


def of_record(rec: dict, default: PromptFormat | None) -> PromptFormat:
    """A pool record's own format (lm_eval pools write it per record, since a group such as
    mmlu has a description per subject), else the task's."""
    if "target_delimiter" in rec:
        return PromptFormat(rec["target_delimiter"], rec["fewshot_delimiter"], rec.get("description", ""))
    return default or PromptFormat()
