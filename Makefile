# Every `az` call made here uses a project-local config and extension dir, no telemetry and no survey.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
AZ_SAFE_ENV := AZURE_CORE_COLLECT_TELEMETRY=false AZURE_CORE_SURVEY_MESSAGE=false \
	AZURE_CONFIG_DIR=$(CURDIR)/.local/azure AZURE_EXTENSION_DIR=$(CURDIR)/.local/extensions

# the end-to-end tests mostly wait (on LROs, polls, the az process): 8 workers, each with its own emulator and warm az
WORKERS ?= 8

# `make compat`: the azure-cli releases where `az acr replication`'s arguments changed, besides the dev pin 2.91.0
# that `make test` uses: 2.75.0, the oldest we claim (azext.minCliCoreVersion; only --region-endpoint-enabled),
# and 2.86.0 (both routing names, the old one deprecated by a breaking-change announcement; removed in 2.87.0).
# Each is installed into its own venv, .venv-compat-<version>; to use one you already have instead:
#   make compat COMPAT_VENV_2.75.0=/path/to/venv COMPAT_VENV_2.86.0=/path/to/other   (or COMPAT_CLIS=2.86.0)
COMPAT_CLIS ?= 2.75.0 2.86.0
# 2.75 has an older SDK, azure-core and knack under the same code: every command end to end (tests/commands) and the
# release; of the journeys, the one whose path depends on the release (all pass there)
COMPAT_SUITES_2.75.0 ?= tests/commands tests/test_release.py \
	"tests/test_journeys.py::test_journey_runs_as_with_the_builtin[routing_flag_from_help]"
# 2.86 differs from its neighbours only in the routing flags: the arguments and drop-in suites (flags, deprecations,
# parity with the built-in), and the journey that picks a routing flag from `--help` (the other journeys pass there too)
COMPAT_SUITES_2.86.0 ?= tests/commands/test_arguments.py tests/commands/test_dropin.py \
	"tests/test_journeys.py::test_journey_runs_as_with_the_builtin[routing_flag_from_help]"
compat_venv = $(or $(COMPAT_VENV_$(1)),.venv-compat-$(1))

.PHONY: venv wheel release test unit compat compat-venvs demo bench bench-status bench-fleet bench-content bench-polling bench-artifact bench-probe lint clean

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
	$(PY) -m pytest tests -m unit -q -p no:cacheprovider

define compat_run
	@echo "== azure-cli $(1) ($(abspath $(call compat_venv,$(1))))"
	$(AZ_SAFE_ENV) ACR_REPLICATION_AZ=$(abspath $(call compat_venv,$(1)))/bin/az $(PY) -m pytest -q -p no:cacheprovider \
		-n $(WORKERS) $(COMPAT_SUITES_$(1))

endef

compat: wheel compat-venvs
	$(foreach v,$(COMPAT_CLIS),$(call compat_run,$(v)))

# the compat azure-clis only (.ci/run installs them while `make test` runs)
compat-venvs: $(foreach v,$(COMPAT_CLIS),$(if $(COMPAT_VENV_$(v)),,.venv-compat-$(v)/.installed))
# compiled at install: where PYTHONDONTWRITEBYTECODE is set (as on these machines) az would otherwise compile
# every module it imports on every call
.venv-compat-%/.installed:
	python3 -m venv .venv-compat-$*
	.venv-compat-$*/bin/pip install -q --disable-pip-version-check azure-cli==$*
	touch $@

demo: wheel
	$(AZ_SAFE_ENV) $(PY) -m emulator.demo

bench: wheel
	$(AZ_SAFE_ENV) $(PY) -m bench.run
	$(AZ_SAFE_ENV) $(PY) -m bench.status
	$(AZ_SAFE_ENV) $(PY) -m bench.fleet
	$(AZ_SAFE_ENV) $(PY) -m bench.content
	$(AZ_SAFE_ENV) $(PY) -m bench.polling
	$(AZ_SAFE_ENV) $(PY) -m bench.artifact

bench-fleet: wheel
	$(AZ_SAFE_ENV) $(PY) -m bench.fleet

bench-status: wheel
	$(AZ_SAFE_ENV) $(PY) -m bench.status

# --all-repositories over 1,000 repositories x 20 tags x 6 regions, --repository over 10 regions vs 1,
# --image with 20 repositories, a syncing replica's time-left estimate; bench/content_results.json (no README)
bench-content: wheel
	$(AZ_SAFE_ENV) $(PY) -m bench.content

# waits of 3 s to 300 s, 10 regions, a fleet of 30 writes, ours and the built-in at once (~20 min)
bench-polling: wheel
	$(AZ_SAFE_ENV) $(PY) -m bench.polling

# status --image over a whole artifact (index, platforms, referrers) against 0.3.0's single-manifest check
bench-artifact: wheel
	$(AZ_SAFE_ENV) $(PY) -m bench.artifact

# probe over 10 regions with one hanging vs 1 region hanging, and healthy 10 vs 1 (bench/probe_results.json)
bench-probe: wheel
	$(AZ_SAFE_ENV) $(PY) -m bench.probe

lint: venv
	$(PY) -m flake8 --max-line-length 120 azext_acr_replication emulator tests bench tools
	$(PY) -m pylint --rcfile=pylintrc azext_acr_replication

clean:
	rm -rf dist build *.egg-info .local .venv-compat-*
