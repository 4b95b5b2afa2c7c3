# Quick start: `make demo` (install + Monte Carlo forecast of the shipped scenario) and `make test` (install + run the tests).
# Each target builds its own virtual environment from pyproject.toml, so a fresh machine needs only Python 3.11.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= out

.PHONY: demo test lint bench notebooks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dask]'
	touch $@ $(VENV)/.installed-run

demo: $(VENV)/.installed-run
	$(BIN)/funnelsim forecast scenarios/ai_startup.toml --reps 200 --seed 42 --out $(OUT)/forecast
	@echo "charts: $(OUT)/forecast/fan_chart.png and $(OUT)/forecast/kpi_histograms.png"

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 -q

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy

# Re-execute the teaching notebooks from their Jupytext scripts (notebooks/NN_*.py) and store them with outputs.
notebooks: $(VENV)/.installed-test
	$(BIN)/python -m analysis.teaching.execute

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_scaling.py
	$(BIN)/python benchmarks/bench_memory.py
	$(BIN)/python benchmarks/bench_commands.py
	$(BIN)/python benchmarks/bench_lab.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache .hypothesis
