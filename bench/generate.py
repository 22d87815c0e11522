"""`workbench generate DIR --n 500` offline, timed end to end (the command, as a user runs it).

Goal (issue 6): 10 s or less. Also reports the generator alone, per sample toolset.

    .venv/bin/python bench/generate.py [--n 500]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=500)
    args = ap.parse_args()
    import sample_tools
    from workbench.generate import GenerateSpec
    from workbench.generate.offline import OfflineGenerator

    out: dict = {"n": args.n}
    with tempfile.TemporaryDirectory() as tmp:
        wb = [sys.executable, "-m", "workbench.cli"]
        subprocess.run(wb + ["init", f"{tmp}/p", "--tools", "sample_tools/task_api"], check=True, cwd=ROOT,
                       capture_output=True)
        t = time.perf_counter()
        r = subprocess.run(wb + ["generate", f"{tmp}/p", "--n", str(args.n)], cwd=ROOT, capture_output=True,
                           text=True)
        out["cli_seconds"] = round(time.perf_counter() - t, 2)
        out["cli_summary"] = r.stderr.strip().splitlines()[0] if r.stderr else r.stdout
    for name in sample_tools.NAMES:
        ts = sample_tools.get_toolset(name)
        t = time.perf_counter()
        exs = OfflineGenerator(ts.tools, "2026-03-02", ts).generate(GenerateSpec(n=args.n, seed=0))
        out[f"generator_seconds_{name}"] = round(time.perf_counter() - t, 3)
        assert len(exs) == args.n
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
