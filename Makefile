# Keyi — every target installs what it needs first; `make run` and `make test` are the two
# commands a fresh machine needs (see README.md).

UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
KEYI := $(VENV)/bin/keyi
PYTEST := $(VENV)/bin/pytest
DATA_DIR ?= keyi-data
DEMO_ACCOUNTS ?= 300
# Python tests run in parallel workers; browser tests run once after them.
PYTEST_WORKERS ?= 2

.PHONY: run install install-python install-web install-browser install-wrk api-types test test-python test-web test-e2e lint bench clean

# The demo may point a queue mailbox at a mail server on this machine or the local network
# (KEYI_MAIL_ALLOW_PRIVATE); a production installation leaves it off.
run: install
	KEYI_DATA_DIR=$(DATA_DIR) $(KEYI) demo --accounts $(DEMO_ACCOUNTS)
	KEYI_DATA_DIR=$(DATA_DIR) KEYI_MAIL_ALLOW_PRIVATE=1 $(KEYI) serve

install: install-python install-web

# Installs are incremental: each step leaves a stamp file and reruns only when what it depends
# on changed (the lock files, the web app's sources), so a second `make run` starts serving in
# seconds. A fresh clone has no stamps and installs everything. The Python package is installed
# editable, so source changes need no reinstall.
PY_STAMP := $(VENV)/.keyi-installed
NPM_STAMP := web/node_modules/.keyi-installed
WEB_BUILD := web/dist/index.html
WEB_SOURCES := $(filter-out %.test.ts %.test.tsx,$(shell find web/src web/public web/build -type f 2>/dev/null)) \
	web/index.html web/vite.config.ts web/tsconfig.json web/package.json

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install-python: $(PY_STAMP)

# Bytecode compiled once here: every later `keyi` start (demo check, serve) skips compiling.
$(PY_STAMP): uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked --quiet --compile-bytecode
	touch $@

install-web: $(WEB_BUILD)

$(NPM_STAMP): web/package-lock.json web/package.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(WEB_BUILD): $(NPM_STAMP) $(WEB_SOURCES)
	cd web && npm run build
	touch $@

# Debian's Chromium (Playwright drives it; no browser download) and a CJK font for screenshots.
install-browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

# The web app's TypeScript types of the API, regenerated from `keyi openapi` (commit the result).
api-types: $(PY_STAMP) $(NPM_STAMP)
	cd web && KEYI=../$(KEYI) npm run --silent gen:api

test: install install-browser
	$(MAKE) lint
	$(MAKE) test-web
	$(MAKE) test-python

lint:
	$(VENV)/bin/ruff check src tests $(wildcard bench)
	$(VENV)/bin/mypy
	cd web && npm run lint

test-web:
	cd web && npm test

test-python:
	$(PYTEST) -n $(PYTEST_WORKERS) -m "not e2e" -q
	$(PYTEST) -m e2e -q -p no:randomly

bench: install install-wrk
	$(PY) -m bench --accounts $${BENCH_ACCOUNTS:-100000}

# The HTTP load client of `python -m bench.http` (Debian's wrk: C, so the client takes little of
# the CPU it measures); without it bench.http falls back to its Python client.
install-wrk:
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)

clean:
	rm -rf $(VENV) $(TOOLS) web/node_modules web/dist
