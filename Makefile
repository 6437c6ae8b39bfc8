# The course's two commands: `make lab` and `make test`. Both set up .venv first; set-up is
# redone only when pyproject.toml changes (or the venv is missing).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TORCH_STAMP := $(VENV)/.torch-installed
BROWSER_STAMP := $(VENV)/.browser-installed
BUILD := build

.PHONY: setup lab test crosscheck test-browser figures benchmarks release clean

setup: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" notebooks/

test: $(STAMP)
	$(BIN)/python -m pytest -m "not crosscheck and not browser"

# torch is pinned: this CPU build lies on the machine's disk; an unpinned torch pulls a
# multi-GB CUDA build. It stays out of the course's own dependencies.
$(TORCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check 'torch==2.13.0'
	touch $@

crosscheck: $(TORCH_STAMP)
	$(BIN)/python -m pytest -m crosscheck tests

# --- figures (issue 4) ---
figures: $(STAMP)
	$(BIN)/python -m course_lib.figures --out $(BUILD)/figures

# --- real-browser test (issue 4) ---
$(BROWSER_STAMP): $(STAMP)
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,browser]'
	touch $@

test-browser: $(BROWSER_STAMP)
	$(BIN)/python -m pytest -m browser tests

# --- exercises (issue 3) ---
release: $(STAMP)
	$(BIN)/course release

benchmarks: $(STAMP)
	for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) $(BUILD) .pytest_cache .hypothesis
