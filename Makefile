# Every `az` call made here uses a project-local config and extension dir, no telemetry and no survey.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
AZ_SAFE_ENV := AZURE_CORE_COLLECT_TELEMETRY=false AZURE_CORE_SURVEY_MESSAGE=false \
	AZURE_CONFIG_DIR=$(CURDIR)/.local/azure AZURE_EXTENSION_DIR=$(CURDIR)/.local/extensions

COMPAT_CLI ?= 2.75.0
# the end-to-end tests mostly wait (on LROs, polls, the az process): 4 workers, each with its own emulator
WORKERS ?= 4
COMPAT_VENV ?= .venv-compat

.PHONY: venv wheel release test unit compat demo bench bench-status bench-fleet lint clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt
	python3 -m venv $(VENV)
	$(PIP) install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

wheel: venv
	rm -rf dist build *.egg-info
	$(PY) -m pip wheel -q --no-deps --no-build-isolation -w dist . 2>&1 | grep -v "^WARNING: Location" || true
	@ls dist/acr_replication-*.whl

# the wheel and dist/index.json (azure-cli's extension index format); DOWNLOAD_URL_BASE: where the wheel is served
release: wheel
	$(PY) -m tools.release $(if $(DOWNLOAD_URL_BASE),--download-url-base $(DOWNLOAD_URL_BASE))

test: wheel
	$(AZ_SAFE_ENV) $(PY) -m pytest tests -q -p no:cacheprovider -n $(WORKERS)

unit: venv
	$(PY) -m pytest tests/test_unit.py tests/test_unit_hardening.py tests/test_unit_status.py tests/test_unit_fleet.py tests/test_unit_deadline.py tests/test_command_metadata.py tests/test_layout.py -q -p no:cacheprovider

# the oldest azure-cli we claim (azext.minCliCoreVersion): the end-to-end suites against its az
compat: wheel $(COMPAT_VENV)/.installed
	$(AZ_SAFE_ENV) ACR_REPLICATION_AZ=$(CURDIR)/$(COMPAT_VENV)/bin/az $(PY) -m pytest -q -p no:cacheprovider \
		-n $(WORKERS) tests/test_commands_e2e.py tests/test_ci_features_e2e.py tests/test_hardening_e2e.py \
		tests/test_status_e2e.py tests/test_cli_parity.py tests/test_dropin_e2e.py tests/test_release_e2e.py \
		tests/test_fleet_e2e.py tests/test_deadline_e2e.py

$(COMPAT_VENV)/.installed:
	python3 -m venv $(COMPAT_VENV)
	$(COMPAT_VENV)/bin/pip install -q --disable-pip-version-check azure-cli==$(COMPAT_CLI)
	touch $@

demo: wheel
	$(AZ_SAFE_ENV) $(PY) -m emulator.demo

bench: wheel
	$(AZ_SAFE_ENV) $(PY) -m bench.run
	$(AZ_SAFE_ENV) $(PY) -m bench.status
	$(AZ_SAFE_ENV) $(PY) -m bench.fleet

bench-fleet: wheel
	$(AZ_SAFE_ENV) $(PY) -m bench.fleet

bench-status: wheel
	$(AZ_SAFE_ENV) $(PY) -m bench.status

lint: venv
	$(PY) -m flake8 --max-line-length 120 azext_acr_replication emulator tests bench tools
	$(PY) -m pylint --rcfile=pylintrc azext_acr_replication

clean:
	rm -rf dist build *.egg-info .local $(COMPAT_VENV)
