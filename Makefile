# mgov: `make run` starts the platform on embedded servers, `make test` proves it.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.mgov-installed

.PHONY: install run test test-unit test-integration test-e2e proto proto-check bench lock clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("mgov needs Python 3.11 or newer (found %s)" % sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)

# Everything comes pinned from the one lock file; the project itself is installed editable.
$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/mgov up

test: install proto-check
	$(BIN)/python -m pytest -q -m "unit or integration or e2e" tests

test-unit: install
	$(BIN)/python -m pytest -q -m unit tests

test-integration: install
	$(BIN)/python -m pytest -q -m integration tests

test-e2e: install
	$(BIN)/python -m pytest -q -m e2e tests

proto: install
	$(BIN)/python tools/protogen.py

proto-check: install
	$(BIN)/python tools/protogen.py --check

# The foundation figures, then each service's own benchmark where it has one.
bench: install
	$(BIN)/python -m bench
	@for m in identity catalog workflow notify ingest; do \
	  if [ -f bench/$$m.py ]; then echo; echo "== bench.$$m"; $(BIN)/python -m bench.$$m || exit 1; fi; \
	done

# Rewrite requirements.lock from pyproject.toml's direct pins in a scratch venv.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check '.[test,deploy]'
	.lock-venv/bin/python -m pip freeze --all --exclude mgov --exclude pip > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .pytest_cache
