# Two commands do all the set-up:  `make run` (the app)  and  `make test` (every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint sample bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/streamlit run streamlit_app.py

lint: $(STAMP)
	$(BIN)/ruff check finder tests scripts streamlit_app.py
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

sample: $(STAMP)
	$(BIN)/python scripts/make_sample_data.py --out-dir data

bench: $(STAMP)
	$(BIN)/finder bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
