# Spends Tracker — `make dev` to run it, `make test` to test it. Both set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
# `make dev` listens on this machine only; HOST=0.0.0.0 make dev opens it to the network (README "Quick start").
HOST ?= 127.0.0.1
# Tests need no .env: a throwaway secret with DEBUG off, like production.
TEST_ENV := SECRET_KEY=test-only-secret-key-not-for-production-0123456789 DEBUG=false

.PHONY: dev install env migrate seed run test test-postgres test-s3 test-twonode prod-check lint check-containers fmt schema bench bench-receipts clean help

help:
	@echo "make dev      set up (venv, install, .env, migrate, demo data) and serve on http://localhost:$(PORT)"
	@echo "make test     set up and run the test suite (SQLite); make test-postgres for PostgreSQL"
	@echo "make test-s3  the storage suites (uploads, backups) against a real S3 endpoint (moto's server)"
	@echo "make lint     ruff and the import-linter layer contracts (pyproject.toml)"

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed, found " + sys.version' 
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# A local .env for development: DEBUG on and a freshly generated secret. Never overwrites an existing one.
.env:
	@echo "Creating .env for local development (DEBUG=true, random SECRET_KEY)"
	@sed -e "s|^SECRET_KEY=.*|SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')|" \
	     -e "s|^DEBUG=.*|DEBUG=true|" .env.example > .env

env: .env

migrate: install env
	$(BIN)/python manage.py migrate --no-input

# The demo users' passwords (demo, viewer): random, made once and kept in .env (also for a .env made before they existed).
seed: migrate
	@grep -q '^DEMO_PASSWORD=' .env || { echo "Adding a random DEMO_PASSWORD to .env"; \
	  echo "DEMO_PASSWORD=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(12))')" >> .env; }
	@grep -q '^DEMO_VIEWER_PASSWORD=' .env || { echo "Adding a random DEMO_VIEWER_PASSWORD to .env"; \
	  echo "DEMO_VIEWER_PASSWORD=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(12))')" >> .env; }
	$(BIN)/python manage.py seed_data

dev: seed
	@echo "Serving on http://$(HOST):$(PORT)  (admin: /admin/, API docs: /api/docs)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The coverage report of `make test` (COVERAGE= runs the same tests without it: about a third faster; CI does).
COVERAGE ?= --cov --cov-report=term:skip-covered

test: install
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null
	@test -x /usr/bin/chromium || echo "NOTE: /usr/bin/chromium not found: the browser tests (tests/browser) will be SKIPPED. Install it with: apt-get install chromium"
	$(TEST_ENV) $(BIN)/pytest $(COVERAGE) $(PYTEST_ARGS)

test-postgres: install
	$(TEST_ENV) DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/spends} $(BIN)/pytest --create-db $(PYTEST_ARGS)

# The storage suites (tests/attachments, tests/backups: marker s3) with uploads and backups in an S3 bucket of moto's
# standalone server, started by the test session on 127.0.0.1 (tests/s3server.py). DATABASE_URL as set (SQLite default).
test-s3: install
	$(TEST_ENV) $(BIN)/pytest --s3 -m s3 $(if $(findstring postgres,$(DATABASE_URL)),--create-db) $(PYTEST_ARGS)

# Two gunicorn nodes at once on one PostgreSQL, Redis and S3 endpoint, Caddy in front (#28; tests/twonode, marker twonode).
test-twonode: install
	$(TEST_ENV) $(BIN)/pytest -m twonode tests/twonode $(PYTEST_ARGS)

# The production command lines without Docker: gunicorn (DEBUG off) on the local PostgreSQL + HTTP smoke test.
prod-check: install
	deploy/prod_check.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Docker cannot run on every machine (nor in CI): the container files are checked statically instead. hadolint
# lints the Dockerfile (ignored rules and their reasons: .hadolint.yaml); every compose file is validated against the
# compose specification's schema; the proxy's Caddyfiles by Caddy itself (Debian's caddy package).
check-containers: install
	$(BIN)/hadolint Dockerfile
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose*.yml
	@command -v caddy >/dev/null || { echo "caddy not found (apt-get install caddy): Caddyfiles not validated"; exit 1; }
	for f in deploy/Caddyfile deploy/Caddyfile.scale; do SITE_ADDRESS=:80 caddy validate --adapter caddyfile --config $$f 2>/dev/null || { echo "$$f is not valid"; exit 1; }; done

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The performance benchmark (issue #10): generates the bench database(s) and measures the API against its floors.
# Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379. BENCH_ARGS e.g. "--purchases 100000 --sqlite".
BENCH_ARGS ?= --sqlite
bench: install
	$(BIN)/python -m bench.run --generate $(BENCH_ARGS)
	$(BIN)/python -m bench.receipts

# Receipt suggestions only (#27): accuracy per field and kind on tests/fixtures/receipts, time per receipt.
bench-receipts: install
	$(BIN)/python -m bench.receipts

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage htmlcov staticfiles
