# The two commands of the README: `make report` and `make test`. Each sets up .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE := data/sample

.PHONY: report test check-python bench sample screenshots clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "oos_analysis needs Python 3.11 or newer; set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever pyproject.toml changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[notebooks,test,spapi,alerts]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (oos_analysis)" >/dev/null
	@touch $@

# The main job: render the weekly HTML report for the sample seller and print its path.
report: $(STAMP)
	$(BIN)/oos-analysis check $(SAMPLE)/us/*
	$(BIN)/oos-analysis report --out reports

# The layer contracts, unit, property and render tests (and doctests), then every notebook
# under nbval (lax).
test: $(STAMP)
	$(BIN)/lint-imports
	MPLBACKEND=Agg $(BIN)/python -m pytest
	MPLBACKEND=Agg $(BIN)/python -m pytest -p no:cacheprovider --nbval-lax --nbval-current-env notebooks/

# Every speed and memory goal, each printed as a ratio against a baseline timed in the same run
# (about six minutes on 2 cores once its files exist, medians of 5 runs; generated files are kept
# in benchmarks/_work/).
# OOS_BENCH_SCALE=1 adds the 10M-item store, which takes several minutes more to build once.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

# The sample report's first screen as headless Chromium shows it at 1280 px and at 400 px (a
# phone), the Japanese training handout, and the what-if in JupyterLab, saved under docs/ (needs
# chromium, chromium-driver and fonts-noto-cjk; see .ci/run).
screenshots: $(STAMP)
	rm -rf build/screenshots
	$(BIN)/oos-analysis report $(SAMPLE)/us/* --out build/screenshots
	$(BIN)/python -m oos_analysis.report.browser build/screenshots/weekly-report-*.html docs
	$(BIN)/python docs/screenshots.py

sample: $(STAMP)
	$(BIN)/python -m oos_analysis.sample $(SAMPLE)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
