# Tryggare Helsingborg chat. The two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON311 ?= $(shell command -v python3.11 2>/dev/null || ls -d $(HOME)/.pyenv/versions/3.11*/bin/python3.11 2>/dev/null | tail -n 1)
VENV := .venv
PY := $(VENV)/bin/python
RASA_PY := .venv-rasa/bin/python
MIN_F1 ?= 0.96
# Issue 11's targets are 5 % out-of-scope messages answered confidently with a topic and 5 % false alarms.
# The guards sit a little above (7 % and 8 %): a retrained model may move by a message or two (4/99 is 4 %,
# 5/99 already 5.05 %), and a red CI for that would block everything; the figures `bot evaluate` prints are
# what the closing notes report against the targets.
MAX_UNRELATED ?= 0.07
MAX_FALSE_ALARMS ?= 0.08

.PHONY: run check lint test setup train validate evaluate check-python test-assistant test-router test-rasa-toolchain test-actions test-nlu test-nlu-structure test-browser test-browser-widget test-browser-pages test-stories test-e2e test-everything test-e2e-stack test-e2e-admin test-faults bench browser nginx promtool agent clean

run: setup
	$(PY) -m bot run

$(VENV)/.installed: requirements/router.lock
	@echo "==> Creating $(VENV) (Python 3.11) for the router and bot"
	@test -n "$(PYTHON311)" || { echo "Python 3.11 not found (pyenv install 3.11)"; exit 1; }
	$(PYTHON311) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -r requirements/router.lock
	touch $@

setup: $(VENV)/.installed promtool
	$(PY) -m bot setup

train: setup
	$(PY) -m bot train

validate: setup
	$(PY) -m bot validate

evaluate: setup
	$(PY) -m bot evaluate

# Debian's chromium for the browser tests (no browser download).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }
	@test -d tests/e2e/node_modules/axe-core || npm ci --prefix tests/e2e --no-audit --no-fund

# Debian's nginx for the deployment test (tests/e2e/test_deployment.py runs it as a child process with
# its own configuration; the system service is never used).
nginx:
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { apt-get update -qq && apt-get install -y -qq nginx; }

# Debian's promtool (package prometheus, without its recommends) checks docs/ops/alerts.yml in
# tests/router/test_ops_docs.py; the Prometheus service it brings is not used.
promtool:
	@command -v promtool >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus; }

# The everyday tier: everything that needs no Rasa model and no Rasa run (lint, types, import contracts, the
# tests' layout, the model lifecycle, router, actions, held-out set structure, the widget and admin pages in
# the browser). The parts run three at a time on the two cores (`-j3`; each waits on I/O, the browser or a
# subprocess a good part of its time), the longest first. Tests that run a program of .venv-rasa are marked
# `rasa_toolchain` and belong to `make test`.
check: $(VENV)/.installed browser promtool
	$(PY) -m bot setup
	$(MAKE) -j3 --output-sync=target test-browser-widget test-router check-python test-browser

check-python: lint test-assistant test-router test-actions test-nlu-structure

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) -m pytest tests/test_layout.py -q

# Everything. The training first, if the model is not current (alone: the end-to-end tests below each
# start Rasa with it). Then three at a time on the two cores (`-j3`: much of it waits on I/O, the browser or
# a subprocess), the longest first: the administrator's retraining end to end, then the shared end-to-end
# stack, then the check tier and the model's figures. The fault tests run last and alone: they kill and
# restart processes of stacks of their own and wait for them with timeouts.
test: setup browser nginx
	$(PY) -m bot train
	$(MAKE) -j3 --output-sync=target test-everything
	$(MAKE) test-faults

test-everything: train test-e2e-admin test-e2e-stack test-browser-widget check-python test-browser test-rasa-toolchain test-nlu test-stories

test-assistant:
	$(PY) -m pytest tests/assistant -q -m "not rasa_toolchain"

test-router:
	$(PY) -m pytest tests/router -q -m "not rasa_toolchain"

test-rasa-toolchain:
	$(PY) -m pytest tests/assistant tests/router -q -m rasa_toolchain

test-actions:
	$(RASA_PY) -m pytest tests/actions -q -p no:cacheprovider

test-nlu-structure:
	$(PY) -m pytest tests/nlu -q

# The browser tests that need no Rasa: the widget (against the real router app with the router tests' fake
# Rasa), the admin, signals and SSO console pages; two pytest runs, which may run side by side (a module's
# sync Playwright and the widget tests' session-wide one cannot share a thread, nor do they need to).
BROWSER_PAGES := tests/e2e/test_admin_pages.py tests/e2e/test_signals_page.py tests/e2e/test_sso_console.py
BROWSER_TESTS := $(BROWSER_PAGES) tests/e2e/widget

test-browser: test-browser-widget test-browser-pages

test-browser-widget:
	$(PY) -m pytest tests/e2e/widget -q

test-browser-pages:
	$(PY) -m pytest $(BROWSER_PAGES) -q

test-nlu: test-nlu-structure train
	$(PY) -m bot validate
	$(PY) -m bot evaluate --folds 0 --min-f1 $(MIN_F1) --max-unrelated $(MAX_UNRELATED) --max-false-alarms $(MAX_FALSE_ALARMS)

test-stories: train
	$(PY) -m bot test-stories

# The end-to-end tests with the real Rasa, action server and router: first those that leave the processes
# alone (one shared stack), then the fault tests. The browser-only ones are `test-browser`'s.
test-e2e: test-e2e-stack test-e2e-admin
	$(MAKE) test-faults

test-e2e-stack: train
	$(PY) -m pytest tests/e2e -q -m "not kills_processes" $(addprefix --ignore=,$(BROWSER_TESTS) $(E2E_ADMIN)) --durations=5

# The administrator's retraining end to end (its own stack; trains, evaluates, swaps models twice): the
# longest end-to-end test, so a make job of its own beside the others.
E2E_ADMIN := tests/e2e/test_admin_retrain.py

test-e2e-admin: train
	$(PY) -m pytest $(E2E_ADMIN) -q --durations=5

test-faults: train
	$(PY) -m pytest tests/e2e -q -m kills_processes

bench: setup
	$(PY) bench/router_latency.py
	$(PY) bench/relay_latency.py

clean:
	rm -rf results test-artifacts
