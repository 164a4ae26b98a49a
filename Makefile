# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# setuptools warns about every editable install that maps a folder (templates/ becomes
# mailer.templates_builtin): intended here, so its warnings are not shown. Errors still are.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p output/demo
	$(BIN)/mailer run examples/calls_session.csv --config examples/mailer.toml \
		--db output/demo/mailer.db --out output/demo --today 2026-11-22

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python bench/render_bench.py
	$(BIN)/python bench/print_bench.py
	$(BIN)/python bench/send_bench.py

clean:
	rm -rf $(VENV) output/demo .mypy_cache .ruff_cache .pytest_cache
