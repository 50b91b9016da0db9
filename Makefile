# Two commands do all the set-up:  `make run` (the app)  and  `make test` (every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

# The raw SAMHSA download stays in ../shared; `make data` rebuilds data/providers.csv from it.
FINDTREATMENT ?= ../shared/data/findtreatment/FindTreatment_MA_2025-08-19.csv

.PHONY: run demo test lint data sample bench messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/streamlit run streamlit_app.py

# The app on the fictional sample (data/sample), for demonstrations.
demo: $(STAMP)
	FINDER_DATA_DIR=data/sample $(BIN)/streamlit run streamlit_app.py

lint: $(STAMP)
	$(BIN)/ruff check finder tests scripts streamlit_app.py
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

# The shipped dataset: the Massachusetts IOP listings of FindTreatment.gov, with metadata.
data: $(STAMP)
	$(BIN)/finder import findtreatment $(FINDTREATMENT) -o data/providers.csv --write-meta

sample: $(STAMP)
	$(BIN)/python scripts/make_sample_data.py --out-dir data/sample

bench: $(STAMP)
	$(BIN)/finder bench

# Translations (docs/TRANSLATION.md): re-extract the messages into finder/locales/messages.pot,
# merge them into every finder/locales/<lang>/LC_MESSAGES/messages.po, then say what is missing.
# The catalogs need no compiling: the app reads the .po files (make test checks them).
messages: $(STAMP)
	$(BIN)/python -m finder.labels.catalog update
	-$(BIN)/python -m finder.labels.catalog check es pt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
