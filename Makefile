# Weiguang: two commands do everything.  make run  |  make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export WEIGUANG_DEV := 1

.PHONY: run test setup lint clean-db help system-deps

# what the system must provide (apt-get installs it when we may, else the command is printed):
# Node.js and Python's venv for both commands; Chromium and a CJK font for `make test`'s browser tests
SYSTEM_DEPS := $(if $(filter test,$(MAKECMDGOALS)),$(if $(filter 0,$(BROWSER_TESTS)),run,test),run)

help:
	@echo "make run   - install, create the SQLite database, load the demo street, serve http://127.0.0.1:8000"
	@echo "make test  - install and run lint, the migration check, the deploy check and the whole test suite"

system-deps:
	@sh scripts/system_deps.sh $(SYSTEM_DEPS)

$(BIN)/python: | system-deps
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $@

node_modules/.installed: package.json package-lock.json | system-deps
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(VENV)/.installed node_modules/.installed
	@$(BIN)/weiguang compile_catalogues

run: setup
	$(BIN)/weiguang migrate --no-input -v0
	$(BIN)/weiguang seed_demo --if-empty
	$(BIN)/weiguang serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

test: system-deps setup lint
	$(BIN)/weiguang makemigrations --check --dry-run
	SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" HTTPS=1 \
		ALLOWED_HOSTS=weiguang.example.org SMS_BACKEND=http SMS_HTTP_URL=https://sms.example.org/send \
		$(BIN)/weiguang check --deploy --fail-level WARNING
	$(BIN)/pytest $(if $(filter 0,$(BROWSER_TESTS)),-m "not browser",) $(PYTEST_ARGS)
