"""Generating candidate examples: offline from the schemas, or from a teacher model; then verified.

`generate(project, spec)` returns every generated example with its verdict in
`meta.verification`: accepted ones as `pending` (a human curates them), rejected ones as
`rejected` with the stage and reasons, so the review queue keeps them (filter `verify:failed`).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from workbench.examples import Example
from workbench.generate.offline import OfflineGenerator, request_key
from workbench.generate.spec import DEFAULT_MIX, GenerateSpec, apportion, parse_mix
from workbench.generate.verify import Verdict, verify
from workbench.validation import ToolIndexCache

__all__ = ["DEFAULT_MIX", "GenerateSpec", "GenerationResult", "apportion", "generate", "parse_mix"]

Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass
class GenerationResult:
    examples: list[Example] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    tokens: tuple[int, int] = (0, 0)
    """Teacher prompt and completion tokens."""

    @property
    def accepted(self) -> list[Example]:
        return [e for e in self.examples if e.meta.get("verification", {}).get("ok")]

    @property
    def rejected(self) -> list[Example]:
        return [e for e in self.examples if not e.meta.get("verification", {}).get("ok")]

    def summary(self) -> str:
        cats = Counter(e.category for e in self.accepted)
        stages = Counter(e.meta["verification"].get("stage") for e in self.rejected)
        text = (f"{len(self.examples)} generated in {self.seconds:.1f} s: {len(self.accepted)} pending review, "
                f"{len(self.rejected)} rejected")
        if stages:
            text += " (" + ", ".join(f"{k} {v}" for k, v in stages.most_common()) + ")"
        text += "\n  " + ", ".join(f"{k} {v}" for k, v in sorted(cats.items()))
        if any(self.tokens):
            text += f"\n  teacher tokens: {self.tokens[0]:,} prompt, {self.tokens[1]:,} completion"
        return text


def generate(project, spec: GenerateSpec, progress: Progress | None = None, tools: list[dict] | None = None,
             existing: list[Example] | None = None) -> GenerationResult:
    """Generate, verify and label examples; nothing is written (the caller adds them to a store).

    `tools` and `existing` default to the project's files; the app passes its in-memory ones.
    """
    t0 = time.perf_counter()
    tools = tools if tools is not None else project.load_tools()
    if not tools:
        raise ValueError(f"{project.tools_path}: the project has no tools to generate examples for")
    from workbench.toolset import project_toolset

    toolset = project_toolset(project, tools)
    result = GenerationResult()
    judge = None
    step = (lambda done, total: progress("generate", done, total)) if progress else None
    if existing is None:
        existing = project.load_examples().examples
    have = {request_key(e.first_user_message()) for e in existing}   # the requests the project has
    if spec.source == "offline":
        # The user's own examples (accepted) are where realistic values and phrasings come from
        # first, and what they already cover is counted, so generation fills the gaps.
        accepted = [e for e in existing if e.status == "accepted"]
        gen = OfflineGenerator(tools, project.settings.today, toolset, tool_names=spec.tools, examples=accepted)
        examples = gen.generate(spec, step, avoid=have)
        result.notes += gen.notes
        for ex in examples:
            ex.meta["generator"] = {"source": "offline", "seed": spec.seed}
    else:
        from workbench.generate.teacher import TeacherConfig, TeacherGenerator

        teacher = TeacherGenerator(TeacherConfig.from_settings(project.settings.teacher), tools, project.settings.today)
        examples = teacher.generate(spec, step)
        result.notes += teacher.stats.failures
        if spec.semantic_check:
            judge = teacher.judge
    if spec.semantic_check and judge is None:
        result.notes.append("semantic check skipped: it needs a teacher (source teacher)")
    cache = ToolIndexCache()
    seen = set(have)
    _fresh_ids(examples, {e.id for e in existing})
    for i, ex in enumerate(examples, 1):
        key = request_key(ex.first_user_message())
        if key in seen and ex.category not in ("no_tool", "clarify"):
            verdict = Verdict(False, "dedupe", ["the same request is already in the project or this batch"])
        else:
            verdict = verify(ex, tools, toolset if toolset.has_stubs else None, judge, cache)
        seen.add(key)
        ex.meta["verification"] = verdict.to_meta()
        ex.meta["status"] = "pending" if verdict.ok else "rejected"
        if progress and (i % 50 == 0 or i == len(examples)):
            progress("verify", i, len(examples))
    if spec.source == "teacher":
        result.tokens = (teacher.stats.prompt_tokens, teacher.stats.completion_tokens)
    result.examples = examples
    result.seconds = time.perf_counter() - t0
    return result


def _fresh_ids(examples: list[Example], taken: set[str]) -> None:
    """Ids are content hashes; a regenerated twin of an existing example must not replace it."""
    for ex in examples:
        base, n = ex.id, 1
        while ex.meta["id"] in taken:
            n += 1
            ex.meta["id"] = f"{base}-{n}"
        taken.add(ex.meta["id"])
