"""Validation speed on 50,000 examples (goal: 20,000 examples/s or more on 2 cores).

Generates examples from the Task API seed set (varying ids and argument values so no two
lines are identical), writes them as JSONL, then times loading and validating them.
Also times the jsonschema fallback on the same data, in the same run, for the ratio.

    .venv/bin/python bench/validate.py [--n 50000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench.examples import ExampleFile, serialize_entries  # noqa: E402
from workbench.validation import ToolIndexCache, validate_example  # noqa: E402


def make_corpus(n: int, path: Path) -> None:
    seed = ExampleFile.load(Path(__file__).resolve().parents[1] / "sample_tools/task_api/seed.jsonl").examples
    rng = random.Random(0)
    out = []
    for i in range(n):
        ex = seed[i % len(seed)].copy()
        ex.meta["id"] = f"bench_{i}"
        ex.messages[0]["content"] += f" #{rng.randrange(10**6)}"
        out.append(ex)
    path.write_bytes(serialize_entries(out))


def time_validation(examples, cache) -> float:
    start = time.perf_counter()
    errors = 0
    for ex in examples:
        errors += bool(validate_example(ex, None, cache))
    elapsed = time.perf_counter() - start
    assert errors == 0, f"{errors} examples failed validation"
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=50_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "examples.jsonl"
        make_corpus(args.n, path)
        size_mb = path.stat().st_size / 1e6
        start = time.perf_counter()
        ef = ExampleFile.load(path)
        load_s = time.perf_counter() - start
        examples = ef.examples
        fast = min(time_validation(examples, ToolIndexCache()) for _ in range(3))

        # The same data through the general jsonschema validator, for comparison.
        import workbench.validation as v
        from workbench.schema_check import _jsonschema_checker

        original = v.build_checker
        v.build_checker = _jsonschema_checker
        try:
            slow = time_validation(examples, ToolIndexCache())
        finally:
            v.build_checker = original
    print(json.dumps({
        "examples": args.n, "file_mb": round(size_mb, 1),
        "load_s": round(load_s, 2), "load_examples_per_s": round(args.n / load_s),
        "validate_s": round(fast, 2), "validate_examples_per_s": round(args.n / fast),
        "jsonschema_validate_examples_per_s": round(args.n / slow),
        "speedup_vs_jsonschema": round(slow / fast, 1),
    }, indent=2))


if __name__ == "__main__":
    main()
