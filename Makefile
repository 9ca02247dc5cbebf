# The two commands a newcomer needs: `make run` and `make test` (see README.md).
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PORT ?= 8000
PYTEST_ARGS ?=

# The first Python 3.12+ on PATH (pyenv's shims honour .python-version).
PYTHON_FOR_VENV := $(shell for p in python3.13 python3.12 python3 python; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; \
	then command -v $$p; break; fi; done)

.PHONY: help install run test lint bench load vendor clean

help:
	@echo "make run    install into $(VENV), migrate, load the demo data, serve on http://127.0.0.1:$(PORT) with a worker"
	@echo "make test   install into $(VENV) and run the whole test suite"
	@echo "make lint   ruff check and format check"
	@echo "make bench  time every page at 500,000 partners on SQLite and PostgreSQL (BENCH_PARTNERS=...)"
	@echo "make load   requests per second under concurrent users, on the make bench databases (needs wrk)"
	@echo "make vendor fetch the pinned front-end files (and the tests' axe-core) from the npm registry again"

$(VENV)/.installed: pyproject.toml
	@if [ ! -x $(PY) ]; then \
		if [ -z "$(PYTHON_FOR_VENV)" ]; then echo "Python 3.12 or newer is needed (pyenv: 'pyenv install 3.12')." >&2; exit 1; fi; \
		echo "Creating $(VENV) with $(PYTHON_FOR_VENV)"; $(PYTHON_FOR_VENV) -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e . --group dev
	@touch $@

install: $(VENV)/.installed

run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo --if-empty
	SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(MANAGE) nightly
	$(MANAGE) ensure_demo_login --url http://127.0.0.1:$(PORT)/
	@# One background worker beside the server (it prints the queued mail), stopped with it.
	@$(MANAGE) db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	$(MANAGE) runserver 127.0.0.1:$(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

BENCH_PARTNERS ?= 500000
BENCH_TARGETS ?= sqlite,postgres
bench: install
	$(MANAGE) benchmark --partners $(BENCH_PARTNERS) --targets $(BENCH_TARGETS)

LOAD_ARGS ?=
load: install
	$(MANAGE) load --partners $(BENCH_PARTNERS) $(LOAD_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

BOOTSTRAP := 5.3.9
CHARTJS := 4.6.1
AXE := 4.14.1
vendor:
	rm -rf /tmp/pp-vendor && mkdir -p /tmp/pp-vendor && cd /tmp/pp-vendor && \
	npm pack --silent bootstrap@$(BOOTSTRAP) chart.js@$(CHARTJS) axe-core@$(AXE) && \
	mkdir bs cj axe && tar xzf bootstrap-$(BOOTSTRAP).tgz -C bs && tar xzf chart.js-$(CHARTJS).tgz -C cj && \
	tar xzf axe-core-$(AXE).tgz -C axe
	cp /tmp/pp-vendor/bs/package/dist/css/bootstrap.min.css{,.map} static/vendor/bootstrap-$(BOOTSTRAP)/css/
	cp /tmp/pp-vendor/bs/package/dist/js/bootstrap.bundle.min.js{,.map} static/vendor/bootstrap-$(BOOTSTRAP)/js/
	cp /tmp/pp-vendor/bs/package/LICENSE static/vendor/bootstrap-$(BOOTSTRAP)/
	cp /tmp/pp-vendor/cj/package/dist/chart.umd.min.js{,.map} /tmp/pp-vendor/cj/package/LICENSE.md static/vendor/chart.js-$(CHARTJS)/
	cp /tmp/pp-vendor/axe/package/{axe.min.js,LICENSE,LICENSE-3RD-PARTY.txt} tests/browser/vendor/axe-core-$(AXE)/

clean:
	rm -rf $(VENV) staticfiles *.egg-info
