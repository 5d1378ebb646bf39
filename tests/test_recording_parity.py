"""The built-in `az acr replication` against the emulator makes the same calls, in the same order,
with the same status codes, as the real Azure recording in shared/reference."""
import os
import re

import pytest
import yaml

from tests.azcli import ROOT

RECORDING = os.path.join(os.path.dirname(ROOT), "shared", "reference", "recordings",
                         "test_acr_create_replication.yaml")

# skipped before any fixture runs (no emulator, no az of the built-in) when the recording is not there
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not os.path.exists(RECORDING),
                                                  reason="shared/reference is not beside this checkout")]


def normalize(method, path, status):
    path = path.split("?")[0]
    path = re.sub(r"^https://[^/]+", "", path)
    path = re.sub(r"/subscriptions/[^/]+", "/subscriptions/SUB", path)
    path = re.sub(r"/resourceGroups/[^/]+", "/resourceGroups/RG", path, flags=re.I)
    path = re.sub(r"/registries/[^/]+", "/registries/REG", path)
    path = re.sub(r"/(operationStatuses|operationResults)/[^/]+", r"/\1/OP", path)
    path = re.sub(r"/locations/[^/]+/operationResults", "/locations/LOC/operationResults", path)
    return (method, path, status)


def collapse(entries):
    """Repeated identical polls become one: how many polls happen depends on timing, not behaviour."""
    out = []
    for entry in entries:
        if not out or out[-1] != entry:
            out.append(entry)
    return out


def recorded_sequence():
    with open(RECORDING) as handle:
        cassette = yaml.safe_load(handle)
    entries = []
    for interaction in cassette["interactions"]:
        command = (interaction["request"]["headers"].get("CommandName") or [""])[0]
        if not command.startswith("acr replication"):
            continue
        entries.append(normalize(interaction["request"]["method"], interaction["request"]["uri"],
                                 interaction["response"]["status"]["code"]))
    return collapse(entries)


def test_builtin_commands_match_the_recorded_azure_traffic(emu, builtin_az):
    # retry_after=1 only shortens the built-in's 30 s poll interval; the request sequence is the same
    recorded = recorded_sequence()  # read first: a broken recording fails before any az call
    emu.knobs(operation_seconds=0.5, retry_after=1)
    emu.clear_log()
    reg = "-r demopremium"
    builtin_az("acr replication create -n centralus {} -l centralus".format(reg))
    builtin_az("acr replication list {}".format(reg))
    builtin_az("acr replication show -n centralus {}".format(reg))
    updated = builtin_az("acr replication update -n centralus {} --tags key=value "
                         "--global-endpoint-routing false".format(reg)).json
    assert updated["tags"] == {"key": "value"} and updated["regionEndpointEnabled"] is False
    builtin_az("acr replication delete -n centralus {}".format(reg))
    builtin_az("acr replication create -n centralus {} -l centralus --global-endpoint-routing false".format(reg))
    builtin_az("acr replication delete -n centralus {}".format(reg))
    seen = collapse([normalize(e["method"], e["path"], e["status"]) for e in emu.requests()])
    assert seen == recorded
