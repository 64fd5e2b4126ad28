# Developer entry points. `make run` and `make test` do all of their own set-up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export PIP_DISABLE_PIP_VERSION_CHECK := 1
comma := ,

.PHONY: install run test lint format bench screenshots image clean checkov

$(STAMP): requirements/base.txt requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --requirement requirements/base.txt --requirement requirements/dev.txt
	touch $@

install: $(STAMP)

## checkov (Kubernetes manifest scanner) in its own venv: its dependencies must not
## constrain the application's pins. tests/deploy runs it on the rendered overlays.
CHECKOV_VENV  := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

$(CHECKOV_STAMP): requirements/checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --requirement requirements/checkov.txt
	touch $@

checkov: $(CHECKOV_STAMP)

## Run the three roles locally through the entry point, on PostgreSQL (taskmanager_local on the server of
## POSTGRES_URL, 127.0.0.1:5432 by default; or DATABASE_URL):
## API on :8001, UI on :8000, worker health on :8002. Ctrl-C stops all three.
run: install
	$(BIN)/python -m deploy.run_local

## Lint, then the whole suite: API-role tests, then UI-role tests.
test: install checkov lint
	TASKMANAGER_ROLE=api $(BIN)/pytest
	TASKMANAGER_ROLE=ui $(BIN)/pytest tests/ui

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	TASKMANAGER_ROLE=api DEBUG=true DATABASE_URL=sqlite://:memory: $(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Build the container image taskmanager:0.1.0 (docker when it answers, else podman).
## BASE_IMAGE=... builds on another base; PIP_CERT=... hands pip a CA bundle as a build secret.
IMAGE            ?= taskmanager:0.1.0
CONTAINER_ENGINE ?= $(shell docker info >/dev/null 2>&1 && echo docker || echo podman)
image:
	$(CONTAINER_ENGINE) build --tag $(IMAGE) \
	  $(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE)) \
	  $(if $(PIP_CERT),--secret id=pip_cert$(comma)src=$(PIP_CERT)) \
	  --build-arg VERSION=$$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml) \
	  --build-arg REVISION=$$(git rev-parse HEAD 2>/dev/null || echo unknown) \
	  .

## Side-by-side benchmark under the image's server settings: the API and UI roles against two
## floors that send the API's own SQL (bare WSGI over psycopg, and bare Django), with wrk and
## an open-loop latency pass, judged against the performance goals; on a fresh
## taskmanager_bench database (PostgreSQL on 127.0.0.1:5432). Not part of `make test`; about
## 15 minutes; results in bench/results/ (see docs/PERFORMANCE.md).
bench: install
	$(BIN)/python -m bench.run

## Regenerate docs/screenshots/*.png with the end-to-end browser tests
## (PostgreSQL on 127.0.0.1:5432 and /usr/bin/chromium). A normal test run writes
## its screenshots to test-artifacts/screenshots/ instead, leaving docs/ untouched.
screenshots: install
	UPDATE_SCREENSHOTS=1 TASKMANAGER_ROLE=api $(BIN)/pytest tests/e2e -p no:cacheprovider

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) data staticfiles .pytest_cache .ruff_cache
