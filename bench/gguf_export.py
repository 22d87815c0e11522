"""GGUF export of a finished run: wall time and size per quantisation, and a load back with transformers.

    .venv/bin/python bench/gguf_export.py PROJECT_DIR RUN_ID

Figures in docs/benchmarks.md. A LoRA run is merged first (part of its time); a full run converts directly.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from workbench.export import export_run
    from workbench.project import Project

    project = Project.open(Path(sys.argv[1]))
    run = sys.argv[2]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for quant in ("f16", "q8_0"):
            start = time.perf_counter()
            done = export_run(project, run, Path(tmp) / quant, "gguf", quant, name="bench")
            seconds = time.perf_counter() - start
            gguf = Path(tmp) / quant / f"bench-{quant}.gguf"
            from transformers import AutoModelForCausalLM

            start = time.perf_counter()
            AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
            rows.append({"quant": quant, "export_s": round(seconds, 1), "mib": round(gguf.stat().st_size / 2**20),
                         "load_back_s": round(time.perf_counter() - start, 1), "files": len(done.written)})
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
