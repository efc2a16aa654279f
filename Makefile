# Two commands on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# HOST= and PORT= override CRADLE_HOST / CRADLE_PORT (defaults 127.0.0.1 and 8000).
SERVE_FLAGS = $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install install-dev constraints build run serve test lint typecheck unit notebooks clean browser yasgui axe

# One dependency list, pyproject.toml (core + extras search, service, dev; all = the three),
# installed editable under the pins in constraints.txt.
$(BIN)/cradle: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e ".[all]"
	touch $@

install: $(BIN)/cradle

install-dev: install

# Re-pins constraints.txt from pyproject.toml: pip resolves `.[all]` afresh without installing
# anything (--dry-run --report) and the resolved versions are written out, local labels such as
# +cpu dropped (torch==2.13.0 is then the CPU build pip finds on this machine; docs/README.md).
define PIN
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
skip = {"cradle", "pip", "setuptools", "wheel"}
pins = sorted(
    (m["name"].lower().replace("_", "-"), m["version"].split("+")[0])
    for m in (item["metadata"] for item in report["install"])
    if m["name"].lower() not in skip
)
print("# Generated from pyproject.toml by `make constraints`; do not edit by hand.")
print("\n".join(f"{name}=={version}" for name, version in pins))
endef
export PIN

constraints:
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --dry-run --ignore-installed --report $(VENV)/resolved.json ".[all]"
	$(BIN)/python -c "$$PIN" $(VENV)/resolved.json > constraints.txt

build: install
	$(BIN)/cradle build

run: build
	$(BIN)/cradle serve $(SERVE_FLAGS)

serve: install
	$(BIN)/cradle serve $(SERVE_FLAGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

test: install lint typecheck build browser axe
	$(BIN)/pytest

# axe-core for the browser tests' accessibility checks, from npm at the locked version.
AXE := tests/node_modules/axe-core/axe.min.js
$(AXE): tests/package.json tests/package-lock.json
	npm ci --prefix tests --no-audit --no-fund
	touch $@

axe: $(AXE)

# Debian's chromium for the Playwright browser tests, installed with apt only where missing
# (Playwright never downloads a browser).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
browser:
	@test -x /usr/bin/chromium || ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium)

# The venv's jupyter runs kernels with the venv's python (kernel spec "python3" in .venv/share).
# Jupyter refuses to run as root unless told; containers often are root.
notebooks: build
	$(BIN)/jupyter lab --ip=127.0.0.1 notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

clean:
	rm -rf var build test-artifacts .pytest_cache .ruff_cache .mypy_cache tests/node_modules
