# INK Events: `make run` (a running app with demo data) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The browser tests' npm tools (axe-core), pinned by tests/browser/package-lock.json.
NPM_DIR := tests/browser
NPM_STAMP := $(NPM_DIR)/node_modules/.installed
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

# npm ci installs exactly the lock file; without npm the accessibility check skips (outside CI only).
$(NPM_STAMP): $(NPM_DIR)/package.json $(NPM_DIR)/package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --prefix $(NPM_DIR) --no-audit --no-fund && touch $@; \
	elif [ -n "$${CI:-}" ]; then \
	  echo "npm is required in CI (the accessibility check needs axe-core)" >&2; exit 1; \
	else \
	  echo "npm not found: axe-core not installed, the accessibility check will skip" >&2; \
	fi

install: $(STAMP) $(NPM_STAMP)

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

# The suite in one process per core (pytest-xdist; each worker has its own SQLite file or PostgreSQL
# database). PYTEST_ARGS= runs it in one process; PYTEST_ARGS='-n 0 tests/feeds' picks a folder.
PYTEST_ARGS ?= -n auto --dist worksteal

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: install
	INK_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test $(BIN)/python -m pytest $(PYTEST_ARGS)

translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -k NP_:1,2 -o ink/translations/messages.pot --no-location --sort-output --project "INK Events" .
	$(BIN)/pybabel update -i ink/translations/messages.pot -d ink/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d ink/translations

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info $(NPM_DIR)/node_modules
