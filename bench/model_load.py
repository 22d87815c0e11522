"""Bundled model: first conversion from GGUF against loads from the safetensors cache (goal: under 2 s).

    .venv/bin/python bench/model_load.py
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
    os.environ["HF_HUB_OFFLINE"] = "1"
    with tempfile.TemporaryDirectory() as cache:
        os.environ["WORKBENCH_CACHE"] = cache
        from workbench.models import load_model

        start = time.perf_counter()
        load_model("bundled:smollm2-135m")
        first = time.perf_counter() - start
        cached = []
        for _ in range(3):
            start = time.perf_counter()
            load_model("bundled:smollm2-135m")
            cached.append(time.perf_counter() - start)
    print(json.dumps({"first_load_with_conversion_s": round(first, 1),
                      "cached_load_s_best": round(min(cached), 2), "cached_load_s_worst": round(max(cached), 2)}))


if __name__ == "__main__":
    main()
