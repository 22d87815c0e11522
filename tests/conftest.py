import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TASK_TOOLS = ROOT / "sample_tools" / "task_api" / "tools.json"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Every test gets its own WORKBENCH_HOME so the demo project is created fresh."""
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory):
    """One conversion of the bundled GGUF per test session, in a private cache dir.

    Set WORKBENCH_TEST_CACHE to reuse a cache between runs while developing.
    """
    path = os.environ.get("WORKBENCH_TEST_CACHE") or str(tmp_path_factory.mktemp("cache"))
    os.environ["WORKBENCH_CACHE"] = path
    os.environ["HF_HUB_OFFLINE"] = "1"
    return Path(path)


@pytest.fixture
def task_tools():
    import json

    return json.loads(TASK_TOOLS.read_text())


def pytest_collection_modifyitems(config, items):
    """Every test that loads the bundled model (through `model_cache`) is marked `model`,
    so `pytest -m "not model"` is the fast subset."""
    for item in items:
        if "model_cache" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.model)
