# INK Events: `make run` (a running app with demo data) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app ink
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run serve db demo test test-postgres bench translations clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP)

# A random secret key for this machine, written once, never committed.
instance/config.py:
	@mkdir -p instance
	@$(PYTHON) -c 'import secrets; print("SECRET_KEY = " + repr(secrets.token_urlsafe(48)))' > $@
	@echo "Wrote a new secret key to $@"

db: install instance/config.py
	$(FLASK) db upgrade

demo: db
	$(FLASK) seed-demo

run: demo
	$(BIN)/python -m ink.devserver --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest

test-postgres: install
	INK_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test $(BIN)/python -m pytest

translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o ink/translations/messages.pot --no-location --sort-output --project "INK Events" .
	$(BIN)/pybabel update -i ink/translations/messages.pot -d ink/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d ink/translations

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info
