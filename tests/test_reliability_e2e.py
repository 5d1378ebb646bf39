"""Faults, throttling, interrupts, auth errors, bad input and secrets (issue 6).

Every test here is one row of the README's Reliability table.
"""
import signal
import time

import pytest

from emulator.state import CLIENT_SECRET

REG = "-r demopremium"
RP = "/providers/Microsoft.ContainerRegistry/registries/demopremium"


def statuses(emu, method, fragment):
    return [e["status"] for e in emu.requests() if e["method"] == method and fragment in e["path"]]


def make(az, emu, *regions):
    emu.knobs(operation_seconds=0)
    az("acr replication create {} -l {}".format(REG, " ".join(regions)))
    emu.emulator.clear_log()


# --- throttling and transient errors, per kind of call ----------------------------------------------
@pytest.mark.parametrize("status", [429, 500, 503])
def test_transient_error_on_put_is_retried(az, emu, status):
    emu.knobs(operation_seconds=0.2)
    emu.fault(status=status, method="PUT", path="/replications/eastus$", times=2, retry_after=1)
    assert az("acr replication create {} -l eastus".format(REG)).json["provisioningState"] == "Succeeded"
    assert statuses(emu, "PUT", "/eastus")[:2] == [status, status]


@pytest.mark.parametrize("status", [429, 503])
def test_transient_error_on_patch_is_retried(az, emu, status):
    make(az, emu, "eastus")
    emu.knobs(operation_seconds=0.2)
    emu.fault(status=status, method="PATCH", path="/replications/eastus$", times=1, retry_after=1)
    assert az("acr replication update -n eastus {} --tags a=b".format(REG)).json["tags"] == {"a": "b"}
    assert statuses(emu, "PATCH", "/eastus") == [status, 201]


def test_throttled_delete_is_retried(az, emu):
    make(az, emu, "eastus")
    emu.knobs(operation_seconds=0.2)
    emu.fault(status=429, method="DELETE", path="/replications/eastus$", times=1, retry_after=1)
    az("acr replication delete -n eastus {} --yes".format(REG))
    assert statuses(emu, "DELETE", "/eastus") == [429, 202]


def test_throttled_get_and_list_page_are_retried(az, emu):
    make(az, emu, "eastus", "japaneast", "uksouth")
    emu.knobs(page_size=2)
    emu.fault(status=429, method="GET", path="/replications/eastus$", times=1, retry_after=1)
    az("acr replication show -n eastus {}".format(REG))
    emu.fault(status=503, method="GET", path="/replications$", skip=1, times=1, retry_after=1)  # second page
    assert len(az("acr replication list {}".format(REG)).json) == 4


def test_throttled_and_failing_polls_are_retried(az, emu):
    emu.knobs(operation_seconds=1)
    emu.fault(status=429, method="GET", path="/operationStatuses/", times=1, retry_after=1)
    emu.fault(status=500, method="GET", path="/operationStatuses/", times=1, retry_after=1)  # the next one
    assert az("acr replication create {} -l eastus".format(REG)).json["provisioningState"] == "Succeeded"
    assert set(statuses(emu, "GET", "/operationStatuses/")) >= {429, 500, 200}


def test_persistent_503_gives_up_within_bounds_naming_region_and_operation(az, emu):
    emu.fault(status=503, method="PUT", path="/replications/eastus$", times=100, retry_after=1)
    started = time.monotonic()
    result = az("acr replication create {} -l eastus".format(REG), expect=1)
    assert time.monotonic() - started < 30
    assert "Could not create replication 'eastus' in eastus" in result.stderr
    assert "Traceback" not in result.stderr
    assert 2 <= len(statuses(emu, "PUT", "/eastus")) <= 8


def test_dropped_connection_during_polling_is_survived(az, emu):
    emu.knobs(operation_seconds=1)
    emu.fault(status=0, method="GET", path="/operationStatuses/", times=1)
    assert az("acr replication create {} -l eastus".format(REG)).json["provisioningState"] == "Succeeded"
    assert 0 in statuses(emu, "GET", "/operationStatuses/")


def test_dropped_connection_on_put_is_retried(az, emu):
    emu.knobs(operation_seconds=0.2)
    emu.fault(status=0, method="PUT", path="/replications/eastus$", times=1)
    assert az("acr replication create {} -l eastus".format(REG)).json["provisioningState"] == "Succeeded"


# --- interrupts --------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["create {} -l eastus japaneast westeurope",
                                     "sync {} -l eastus japaneast westeurope"])
def test_ctrl_c_reports_started_regions_and_rerun_converges(az, emu, command):
    emu.knobs(operation_seconds=4)
    proc = az.popen("acr replication " + command.format(REG))
    deadline = time.monotonic() + 30
    while len([e for e in emu.requests() if e["method"] == "PUT"]) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert "Interrupted. Started: " in stderr and "run the same command again" in stderr
    for region in ("eastus", "japaneast", "westeurope"):
        assert region in stderr.split("Interrupted. Started: ")[1].split(".")[0]
    emu.emulator.clear_log()
    az("acr replication " + command.format(REG))
    assert emu.writes() == []  # nothing started twice
    names = {r["name"]: r["provisioningState"] for r in az("acr replication list {}".format(REG)).json}
    assert names == {"eastus": "Succeeded", "japaneast": "Succeeded", "westeurope": "Succeeded",
                     "westus": "Succeeded"}


# --- auth ------------------------------------------------------------------------------------------------
def test_401_from_arm_says_run_az_login(az, emu):
    emu.fault(status=401, method="GET", path="/replications$", times=10)
    result = az("acr replication list {} -g demo-rg".format(REG), expect=1)
    assert "az login" in result.stderr and "Traceback" not in result.stderr


def test_403_names_the_missing_permission(az, emu):
    emu.fault(status=403, method="PUT", path="/replications/eastus$", times=10)
    result = az("acr replication create {} -l eastus".format(REG), expect=1)
    assert "AuthorizationFailed" in result.stderr
    assert "Microsoft.ContainerRegistry/registries/replications/*" in result.stderr


# --- bad input -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("args, code, message", [
    ("list -r abcd", 2, "between 5 and 50 characters"),
    ("list -r " + "a" * 51, 2, "between 5 and 50 characters"),
    ("list -r my-registry!", 2, "alpha numeric"),
    ("list -r nosuchregistry", 1, "was not found in subscription"),
    ("create -r demopremium -l atlantis", 1, "Valid regions"),
    ("create -r demopremium -l japaneast eastus -n myrepl", 2, "--name can only be used with a single --location"),
    ("create -r demopremium -l eastus --tags =novalue", 2, "a tag needs a name"),
    ("update -r demopremium -n eastus --zone-redundancy Enabled", 1, "cannot be changed"),
    ("create -r demobasic -l eastus", 1, "Premium SKU"),
    ("create -r demostandard -l eastus", 1, "Premium SKU"),
    ("create -r demopremium -l eastus --wait-ready --timeout -5", 2, "--timeout must be zero or a positive"),
    ("create -r demopremium -l ,", 2, "--location needs at least one region"),
    ("create -r demopremium", 2, "--location"),
    ("wait -r demopremium -n eastus", 2, "exactly one of"),
    ("wait -r demopremium -n eastus --created --timeout -1", 2, "--timeout must be zero or a positive"),
    ("create -r demopremium -l eastus --zone-redundancy Maybe", 2, "is not a valid value"),
])
def test_bad_input_is_one_clear_line(az, emu, args, code, message):
    result = az("acr replication " + args, expect=code)
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
    assert errors and message in result.stderr, result
    assert "Traceback" not in result.stderr
    assert [e for e in emu.writes() if e["status"] < 400] == []  # nothing was changed


def test_region_given_twice_is_used_once(az, emu):
    emu.knobs(operation_seconds=0)
    result = az("acr replication create {} -l eastus eastus".format(REG))
    assert "Region given more than once, used once: eastus" in result.stderr
    assert [e["method"] for e in emu.writes()] == ["PUT"]


# --- secrets ----------------------------------------------------------------------------------------------
def test_debug_output_never_shows_tokens_or_client_secret(az, emu):
    emu.knobs(operation_seconds=0.2)
    outputs = []
    for command in ("acr replication create {} -l eastus --debug", "acr replication list {} --debug",
                    "acr replication update -n eastus {} --tags a=b --debug"):
        result = az(command.format(REG))
        outputs.append(result.stdout + result.stderr)
    text = "\n".join(outputs)
    assert "Authorization" in text or "authorization" in text  # the headers are logged, redacted
    tokens = emu.emulator.tokens.issued
    assert tokens
    for token in tokens:
        assert token not in text
        assert token.split(".")[2] not in text  # not even the signature
    assert CLIENT_SECRET not in text
