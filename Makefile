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

.PHONY: run install install-python install-web install-browser test test-python test-web test-e2e lint bench clean

run: install
	KEYI_DATA_DIR=$(DATA_DIR) $(KEYI) demo --accounts $(DEMO_ACCOUNTS)
	KEYI_DATA_DIR=$(DATA_DIR) $(KEYI) serve

install: install-python install-web

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install-python: $(UV)
	$(UV) sync --locked --quiet

install-web:
	cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build

# Debian's Chromium (Playwright drives it; no browser download) and a CJK font for screenshots.
install-browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

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

bench: install
	$(PY) -m bench --accounts $${BENCH_ACCOUNTS:-100000}

clean:
	rm -rf $(VENV) $(TOOLS) web/node_modules web/dist
