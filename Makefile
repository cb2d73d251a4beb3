# mgov: `make run` starts the platform on embedded servers, `make test` proves it.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.mgov-installed
NPM    ?= npm
WEB_STAMP := web/node_modules/.mgov-installed

.PHONY: install run test test-unit test-integration test-e2e test-browser fuzz proto proto-check web web-check web-audit screenshots bench chaos chaos-local lock clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("mgov needs Python 3.11 or newer (found %s)" % sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)

# Everything comes pinned from the one lock file; the project itself is installed editable.
$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# checkov in a virtualenv of its own (its pins conflict with pytest's); the manifest
# tests run it from there.
CHECKOV := $(VENV)/checkov/bin/checkov
$(CHECKOV): requirements-checkov.lock | $(BIN)/python
	$(PYTHON) -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.lock
	@touch $(CHECKOV)

install: $(STAMP) $(CHECKOV)

run: install
	$(BIN)/mgov up

test: install proto-check web-check
	$(BIN)/python -m pytest -q -m "unit or integration or e2e" tests

test-unit: install
	$(BIN)/python -m pytest -q -m unit tests

test-integration: install
	$(BIN)/python -m pytest -q -m integration tests

test-e2e: install
	$(BIN)/python -m pytest -q -m e2e tests

# The mobile app in a real browser (Debian's chromium; `.ci/run` installs it).
test-browser: install
	$(BIN)/python -m pytest -q -m browser tests

# Schemathesis over every route as anonymous, citizen, staff, admin and system principals
# against a demo platform: 0 server errors. Bounded (MGOV_FUZZ_EXAMPLES per operation,
# default 25); not part of `make test`.
fuzz: install
	$(BIN)/python -m pytest -q -s -p no:cacheprovider tests/fuzz

proto: install
	$(BIN)/python tools/protogen.py

proto-check: install
	$(BIN)/python tools/protogen.py --check

# The mobile app: web/ builds web/dist, which is committed (a Python-only checkout serves
# it as is). `make web` rebuilds it; `make web-check` (part of `make test` when Node is
# present) fails when the committed bundle is not what web/ builds.
$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && $(NPM) ci --no-audit --no-fund
	@touch $(WEB_STAMP)

web: $(WEB_STAMP)
	cd web && $(NPM) run build

web-check: install
	@if command -v node >/dev/null 2>&1 && command -v $(NPM) >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory $(WEB_STAMP) && $(BIN)/python tools/webcheck.py; \
	else echo "web-check: Node is not installed; skipped (the committed web/dist is served as is)"; fi

# Lighthouse (mobile) on the home and an item page, 3 runs each and the median (RUNS=n for
# more), installability, initial JS size.
web-audit: install $(WEB_STAMP)
	$(BIN)/python tools/web_audit.py $(if $(RUNS),--runs $(RUNS))

# The screenshots of docs/app.md (390x844), from a fresh demo platform.
screenshots: install
	$(BIN)/python tools/screenshots.py

# The foundation figures, then each service's own benchmark where it has one.
bench: install
	$(BIN)/python -m bench
	@for m in identity catalog workflow notify ingest; do \
	  if [ -f bench/$$m.py ]; then echo; echo "== bench.$$m"; $(BIN)/python -m bench.$$m || exit 1; fi; \
	done

# Kill each service, the gateway, NATS and PostgreSQL of a one-machine platform under
# load and count what was lost, doubled or not notified (a few minutes; not in `make test`).
chaos-local: install
	$(BIN)/python -m bench.chaos_local

# Faults under load on `mgov up --replicas 2` (a NATS cluster of three): kill -9 a copy of
# each service, a NATS node, PostgreSQL and a gateway; count lost and doubled work.
# About five minutes; not part of `make test`. Last line: CHAOS_JSON {...}.
chaos: install
	$(BIN)/python -m bench.chaos

# Rewrite requirements.lock from pyproject.toml's direct pins in a scratch venv.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check '.[test]'
	.lock-venv/bin/python -m pip freeze --all --exclude mgov --exclude pip > requirements.lock
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check checkov==$$(sed -n 's/^checkov==//p' requirements-checkov.lock)
	.lock-venv/bin/python -m pip freeze --all --exclude pip > requirements-checkov.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .pytest_cache
