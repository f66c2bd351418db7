PY ?= .venv/bin/python
LOCALE := platform/common/locale
# The interpreter that creates .venv: the first Python 3.11 or 3.12 found.
BOOT_PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
ARGS ?=

.PHONY: run test lint bench scale venv venv-dev browser

# `make run`: the product with demo data on http://127.0.0.1:8000/ (Ctrl-C stops everything).
run: venv
	$(PY) infra/devserver.py

# `make test ARGS="-k seed"`: ruff, makemigrations --check, then pytest with ARGS.
test: venv-dev browser
	$(PY) infra/testrun.py $(ARGS)

# Debian's chromium and CJK fonts for the browser tests (installed with apt-get when root).
browser:
	@$(BOOT_PYTHON) infra/browser.py

lint: venv-dev
	.venv/bin/ruff check .

# Runs every script under bench/ (see bench/README.md).
bench: venv-dev
	$(PY) infra/bench.py

# `make scale TOWNSHIPS=100`: the scale run alone (bench/scale.py; 1,000 is the documented size).
TOWNSHIPS ?= 10
scale: venv-dev
	$(PY) infra/bench.py scale --townships $(TOWNSHIPS) $(ARGS)

# `make run` needs the runtime dependencies only; tests, lint and benchmarks add the dev ones.
venv: .venv/.installed
venv-dev: .venv/.installed-dev

.venv/.installed: pyproject.toml infra/bootstrap.py
	$(BOOT_PYTHON) infra/bootstrap.py

.venv/.installed-dev: .venv/.installed
	$(BOOT_PYTHON) infra/bootstrap.py --dev

.PHONY: messages
# Merge the per-area translation fragments into one catalogue and compile it (the .mo is committed).
messages:
	msgcat --use-first -o $(LOCALE)/zh_Hans/LC_MESSAGES/django.po $(LOCALE)/fragments/*.po
	msgfmt --check-format -o $(LOCALE)/zh_Hans/LC_MESSAGES/django.mo $(LOCALE)/zh_Hans/LC_MESSAGES/django.po
