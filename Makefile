# The course's two commands: `make lab` and `make test`. Both set up .venv first; set-up is
# redone only when pyproject.toml changes (or the venv is missing); JupyterLab's settings
# overrides are copied again on their own whenever course_lib/jupyter/overrides.json changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BROWSER_STAMP := $(VENV)/.browser-installed
BUILD := build

.PHONY: setup sandbox lab test crosscheck recordings chromium test-browser site test-site figures benchmarks release clean

setup: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# JupyterLab's settings overrides (no news and no update checks, so nothing pops up for a
# student; widget state saved with the notebook, so an explorer run and saved shows again on
# reopening) live in the venv, where JupyterLab reads them. An order-only prerequisite of the
# set-up, so every target that sets up refreshes them when the course's copy changes, without
# reinstalling the course.
LAB_OVERRIDES_SOURCE := course_lib/jupyter/overrides.json
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json

$(LAB_OVERRIDES): $(LAB_OVERRIDES_SOURCE) | $(BIN)/python
	mkdir -p $(@D)
	cp $(LAB_OVERRIDES_SOURCE) $@

$(STAMP): pyproject.toml | $(BIN)/python $(LAB_OVERRIDES)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# Serves the repository root (lessons in notebooks/, exercises in exercises/) and opens the first
# lesson. No positional folder: it would override root_dir. --allow-root only for root, whom
# Jupyter otherwise refuses. Extra options: make lab LAB_ARGS="--no-browser --port 8899".
LAB_ARGS ?=
LAB_START := /lab/tree/notebooks/00_start_here.ipynb

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=$(LAB_START) \
		$(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# bubblewrap is the grader's sandbox (docs/sandbox.md: "Which sandbox protection holds where"), which the
# grading tests use; as root the set-up installs Debian's package when it is missing.
sandbox:
	@if ! command -v bwrap >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap; fi

test: $(STAMP) sandbox
	$(BIN)/python -m pytest -m "not crosscheck and not browser and not site"

# The frameworks are pinned CPU wheels and stay out of the course's own dependencies: torch's CPU
# build lies on the machine's disk (an unpinned torch pulls a multi-GB CUDA build); TensorFlow, JAX
# and ONNX Runtime are the versions course_lib/data/framework_outputs.json was recorded with.
FRAMEWORKS := torch==2.13.0 tensorflow-cpu==2.21.0 jax==0.10.2 jaxlib==0.10.2 onnx==1.23.2 onnxruntime==1.32.0
FRAMEWORKS_STAMP := $(VENV)/.frameworks-installed

$(FRAMEWORKS_STAMP): $(STAMP) Makefile
	$(BIN)/python -m pip install --quiet --disable-pip-version-check $(FRAMEWORKS)
	touch $@

# Every course_lib function that states a framework's convention, and every recorded output,
# against the real frameworks; a missing framework fails the run (COURSE_CROSSCHECK_REQUIRE).
# TF_ENABLE_ONEDNN_OPTS=0: TensorFlow's reference CPU kernels, whose errors do not depend on the CPU.
crosscheck: $(FRAMEWORKS_STAMP)
	COURSE_CROSSCHECK_REQUIRE=1 TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=3 \
		$(BIN)/python -m pytest -m crosscheck tests

# Rewrites the recorded framework outputs after a recipe in course_lib/recordings.py changes.
recordings: $(FRAMEWORKS_STAMP)
	TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/python -m course_lib.recordings --write

# --- figures ---
# Every figure of the guide as PNG and every animation as GIF, into build/figures (not committed).
figures: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m course_lib.figures --out $(BUILD)/figures

# --- real-browser test ---
# Playwright's Python package only (never `playwright install`: it downloads a browser); the
# browser is Debian's chromium, installed with apt when missing. Screenshots: build/browser.
$(BROWSER_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,browser]'
	touch $@

chromium:
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

test-browser: $(BROWSER_STAMP) chromium
	$(BIN)/python -m pytest -m browser tests/test_browser.py

# --- the course as a web site ---
# Sphinx with myst-nb (the `site` extra, kept out of `make test` and `make lab`) builds build/site
# from the committed notebooks without running them; open build/site/index.html. `make test-site`
# builds it afresh and reads every page in Debian's Chromium (screenshots: build/site-browser).
SITE_STAMP := $(VENV)/.site-installed

$(SITE_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,site]'
	touch $@

# `make site SITE_REPOSITORY=https://…` names the address to clone the course from on every page.
site: $(SITE_STAMP)
	$(BIN)/python book/build_site.py --out $(BUILD)/site $(if $(SITE_REPOSITORY),--repository "$(SITE_REPOSITORY)")

test-site: $(SITE_STAMP) $(BROWSER_STAMP) chromium
	$(BIN)/python -m pytest -m site tests/test_site.py

# --- exercises ---
# `make release` after editing solutions/ or instructor/sets/; `make test` fails until it is run
# (tests/test_grading_release.py compares a fresh release with what is committed).
# `make release ROSTER=roster.csv [RELEASE_ARGS="--out release/ --secret-file FILE"]`: one folder per
# student with its notebooks and their check files (docs/instructor.md: "Per-student variants").
.PHONY: release-check bundle
release: $(STAMP)
	$(BIN)/course release $(if $(ROSTER),--roster "$(ROSTER)") $(RELEASE_ARGS)

release-check: $(STAMP)
	$(BIN)/course release --check

bundle: $(STAMP)
	$(BIN)/course release --check
	$(BIN)/course bundle $(BUILD)/course.zip

# `make grade SUBMISSIONS=submitted/ [GRADE_ARGS="--roster roster.csv --jobs 2"]`: the gradebook and
# feedback go to build/ (docs/instructor.md: "Grading").
.PHONY: grade
grade: $(STAMP) sandbox
	@test -n "$(SUBMISSIONS)" || { echo "make grade needs SUBMISSIONS=<folder of submissions>" >&2; exit 2; }
	$(BIN)/course grade "$(SUBMISSIONS)" --out $(BUILD)/gradebook.csv --feedback $(BUILD)/feedback $(GRADE_ARGS)

benchmarks: $(STAMP)
	for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) $(BUILD) .pytest_cache .hypothesis
