# P2C Pledging Platform. `make run` and `make test` are the two set-up commands of the README.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint demo clean messages compile-messages

$(BIN)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock ".[dev]"
	touch $@

install: $(BIN)/.installed compile-messages

# The translation catalogues (locale/*/LC_MESSAGES/django.po) compiled with babel (no system gettext needed).
compile-messages: $(BIN)/.installed
	@if [ -d locale ]; then $(BIN)/pybabel compile -d locale -D django --statistics; fi

# Extract the interface's strings into the catalogues (needs GNU gettext: apt-get install gettext).
messages: install
	$(BIN)/python manage.py makemessages -l ar -l zh_Hans -l fr -l ru -l es --no-location --no-obsolete \
		--ignore='.venv/*' --ignore='tests/*' --ignore='benchmarks/*' --ignore='test-artifacts/*' --ignore='staticfiles/*'

# Install, migrate, load the demo data, print a staff login, serve on http://127.0.0.1:8000
# (SQLite, local-memory cache, tasks in-process).
run: export P2C_SITE_URL ?= http://$(HOST):$(PORT)
run: install
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py migrate --no-input
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py load_demo_data
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py create_demo_staff
	@echo "Open http://$(HOST):$(PORT)/ (admin: http://$(HOST):$(PORT)/admin/)"
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The whole test suite. Uses PostgreSQL / Redis when DATABASE_URL / REDIS_URL are set, else SQLite and
# memory; browser tests need Chromium (/usr/bin/chromium) and are skipped, saying why, without it.
test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) db.sqlite3 media private_media staticfiles test-artifacts
