"""What to generate: one typed request, shared by the CLI, the app and the teacher."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from workbench.examples import CATEGORIES

# Abstention is where small models fail (they call a tool for everything), so about a quarter of
# the default mix teaches not calling: clarifying questions and requests no tool serves. After a
# tool result, a single call's summary outnumbered the next call of a chain three to one, and the
# next step not taken was the most common miss on the shop's cases (7 of 19 wrong turns, 2026-12-07):
# a quarter of the mix is multi-step.
DEFAULT_MIX = {"single": 0.33, "parallel": 0.08, "multi_step": 0.25, "error_recovery": 0.08, "clarify": 0.13,
               "no_tool": 0.13}


class GenerateSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n: int = Field(500, ge=1, le=1_000_000)
    """How many examples to make."""
    mix: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_MIX))
    """Share of each category (normalised; categories left out get none)."""
    tools: list[str] | None = None
    """Only these tools (default: all of the project's)."""
    seed: int = 0
    source: Literal["offline", "teacher"] = "offline"
    semantic_check: bool = False
    """Ask the teacher whether each call answers its request (needs a teacher endpoint)."""
    concurrency: int = Field(4, ge=1, le=64)
    """Teacher requests in flight at once."""

    @field_validator("mix")
    @classmethod
    def _known_categories(cls, mix: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(mix) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"unknown categor{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
                             f"known: {', '.join(CATEGORIES)}")
        if any(v < 0 for v in mix.values()) or not sum(mix.values()):
            raise ValueError("shares must be non-negative and not all zero")
        return mix


def parse_mix(text: str) -> dict[str, float]:
    """`single=0.5,no_tool=0.2` or `single=50,no_tool=20` (normalised either way)."""
    mix: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"{part!r}: expected CATEGORY=SHARE")
        try:
            mix[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"{part!r}: {value!r} is not a number") from None
    return mix


def apportion(n: int, mix: dict[str, float]) -> dict[str, int]:
    """Exact integer counts summing to n, by largest remainder (so 500 at 12% is 60, not 59 or 61)."""
    total = sum(mix.values())
    raw = {k: n * v / total for k, v in mix.items()}
    counts = {k: int(r) for k, r in raw.items()}
    for k in sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)[: n - sum(counts.values())]:
        counts[k] += 1
    return counts
