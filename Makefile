# Two commands on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# HOST= and PORT= override CRADLE_HOST / CRADLE_PORT (defaults 127.0.0.1 and 8000).
SERVE_FLAGS = $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install install-dev build run serve test lint typecheck unit notebooks clean browser yasgui

$(BIN)/cradle: pyproject.toml requirements.in constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.in -c constraints.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

install: $(BIN)/cradle

$(VENV)/.dev: $(BIN)/cradle requirements-dev.in
	$(BIN)/pip install -q -r requirements-dev.in -c constraints.txt
	touch $@

install-dev: $(VENV)/.dev

build: install
	$(BIN)/cradle build

run: build
	$(BIN)/cradle serve $(SERVE_FLAGS)

serve: install
	$(BIN)/cradle serve $(SERVE_FLAGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy

test: install-dev lint typecheck build browser
	$(BIN)/pytest

# Debian's chromium for the Playwright browser tests, installed with apt only where missing
# (Playwright never downloads a browser).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
browser:
	@test -x /usr/bin/chromium || ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium)

# The venv's jupyter runs kernels with the venv's python (kernel spec "python3" in .venv/share).
# Jupyter refuses to run as root unless told; containers often are root.
notebooks: build install-dev
	$(BIN)/jupyter lab --ip=127.0.0.1 notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

clean:
	rm -rf build test-artifacts .pytest_cache .ruff_cache .mypy_cache
