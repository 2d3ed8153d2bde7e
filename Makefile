# JXC: two commands for a newcomer.
#   make run   install, migrate, load demo data, start web + Celery worker + beat (Ctrl-C stops all)
#   make test  install, then run the whole suite on PostgreSQL and Redis
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: run test venv messages lint vendor

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	@touch $@

venv: $(VENV)/.installed

# Compiled with Babel (pure Python), so neither command needs GNU gettext; makemessages does.
messages: venv
	$(VENV)/bin/pybabel -q compile -d locale -D django

run: export DEBUG ?= true
run: venv messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo
	@echo "  JXC is starting on http://127.0.0.1:8000/  (Ctrl-C stops web, worker and beat)"
	@$(PY) manage.py load_demo --print-logins
	@echo
	$(VENV)/bin/honcho -f Procfile.dev start

test: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/jxc
test: export CELERY_BROKER_URL ?= redis://127.0.0.1:6379/0
test: export AXES_ENABLED = true
# Two pytest-xdist workers (one per core on CI); each has its own test database (test_jxc_gw0, …).
test: PYTEST_WORKERS ?= 2
test:
	@$(PYTHON) bin/check_services.py
	bin/ensure_system_packages.sh
	@$(MAKE) --no-print-directory venv messages
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -p no:randomly -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

vendor:
	npm ci --ignore-scripts --no-audit --no-fund
	$(PYTHON) bin/vendor_assets.py
