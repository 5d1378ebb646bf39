"""Unit tests for issue 13 without az or HTTP: ARM strings from SDK enums, what a recreate keeps,
bounded retries by reason, the Ctrl-C report, and that no exception of ours can become a traceback."""
import importlib
import inspect
import pkgutil
import types

import pytest
from azure.core.exceptions import HttpResponseError, ServiceRequestError
from azure.core.polling.base_polling import OperationFailed
from azure.mgmt.containerregistry.models import ProvisioningState, SkuName, ZoneRedundancy

import azext_acr_replication
from azext_acr_replication._exception_handler import handle_exception
from azext_acr_replication.arm import errors
from azext_acr_replication.replicas import plan as planning
from azext_acr_replication.arm.values import arm_str, provisioning_state, sku_name, state_of
from azext_acr_replication.replicas.operations import Executor, Patience, interrupt_report
from azext_acr_replication.arm.deadline import Deadline
from azext_acr_replication.replicas.runner import Outcome
from tests import sdk_models as models


# --- ARM strings ---------------------------------------------------------------------------------------
def test_sdk_enums_become_the_strings_arm_sends():
    assert f"{ProvisioningState.FAILED}" == "ProvisioningState.FAILED"  # why arm_str exists
    assert arm_str(ProvisioningState.FAILED) == "Failed" and arm_str("Failed") == "Failed" and arm_str(None) is None
    assert provisioning_state(models.replication("a", state="Failed")) == "Failed"
    assert type(provisioning_state(models.replication("a", state="Failed"))) is str
    assert sku_name(models.registry("r", "g", sku="Standard")) == "Standard"
    assert type(sku_name(models.registry("r", "g", sku="Standard"))) is str
    assert state_of(models.replication("a", display="Syncing")) == "Syncing"
    assert state_of(models.replication("a", state="Creating")) == "Creating"


def test_plan_reasons_and_replicas_carry_no_enum_repr():
    existing = [planning.Replica.from_sdk(models.replication("eastus", state="Failed", zone="Enabled"))]
    assert existing[0].zone_redundancy == "Enabled" and type(existing[0].zone_redundancy) is str
    action = planning.plan(existing, [planning.Wanted("eastus")], "westus")[0]
    assert action.reason == "provisioning state is Failed"
    assert "ProvisioningState" not in str(action.to_dict())


def test_wait_messages_use_arm_strings():
    from azext_acr_replication.arm.waiting import WaitFailed, condition_for
    with pytest.raises(WaitFailed, match=r"^Replication 'a' is Failed\.$"):
        condition_for(created=True)[1](models.replication("a", state=ProvisioningState.FAILED.value))


# --- what a recreate keeps -------------------------------------------------------------------------------
def recreate_of(wanted, **replica):
    existing = [planning.Replica.from_sdk(models.replication("eastus", state="Failed", **replica))]
    actions = planning.plan(existing, [wanted], "westus")
    assert [a.kind for a in actions] == ["recreate"]
    return actions[0].wanted


def test_recreate_keeps_every_setting_the_user_did_not_give():
    wanted = recreate_of(planning.Wanted("eastus"), tags={"team": "a"}, routing=False, zone="Enabled")
    assert (wanted.tags, wanted.region_endpoint_enabled, wanted.zone_redundancy) == ({"team": "a"}, False, "Enabled")


def test_recreate_takes_what_the_user_gives():
    wanted = recreate_of(planning.Wanted("eastus", tags={"team": "b"}, region_endpoint_enabled=True,
                                         zone_redundancy=ZoneRedundancy.DISABLED.value),
                         tags={"team": "a"}, routing=False, zone="Enabled")
    assert (wanted.tags, wanted.region_endpoint_enabled, wanted.zone_redundancy) == ({"team": "b"}, True, "Disabled")


def test_create_and_update_plans_still_leave_unspecified_settings_alone():
    existing = [planning.Replica.from_sdk(models.replication("eastus", tags={"a": "b"}))]
    assert planning.plan(existing, [planning.Wanted("eastus")], "westus")[0].kind == "none"


# --- bounded retries by reason ---------------------------------------------------------------------------
def http_error(status, message="boom", lro=False):
    """An SDK error as azure-core makes it from an ARM body: 'Code: text' gives error.error its code and text."""
    error = HttpResponseError(message=message)
    error.status_code = status
    if ": " in message:
        code, _, text = message.partition(": ")
        error.error = types.SimpleNamespace(code=code, message=text)
    if lro:
        error.__cause__ = OperationFailed("Operation failed or canceled")
    return error


class FakePoller:
    def __init__(self, result):
        self._result = result

    def done(self):
        return True

    def status(self):
        return "Succeeded"

    def result(self):
        if isinstance(self._result, Exception):
            raise self._result
        return self._result


class FakeReplications:
    """begin_create answers from a script: an exception to raise at once, or a poller whose result raises."""

    def __init__(self, script, gets=None):
        self.script = list(script)
        self.gets = list(gets or [])
        self.calls = []

    def begin_create(self, group, registry, name, body, polling=None):
        self.calls.append(("PUT", name))
        step = self.script.pop(0)
        if isinstance(step, tuple) and step[0] == "refuse":
            raise step[1]
        return FakePoller(step)

    def begin_delete(self, group, registry, name, polling=None):
        self.calls.append(("DELETE", name))
        return FakePoller(None)

    def get(self, group, registry, name):
        self.calls.append(("GET", name))
        step = self.gets.pop(0)
        if isinstance(step, Exception):
            raise step
        return step


def executor(client, slept):
    replication_model = lambda **kw: kw  # noqa: E731 (the body is not looked at here)
    from azext_acr_replication.arm.lookup import RegistryRef
    return Executor(client, (replication_model, None), RegistryRef("myreg", "g", "westus"),
                    patience=Patience(), deadline=Deadline(3600, clock=lambda: 0, sleep=slept.append))


def create_action(kind="create"):
    return planning.Action(kind, "eastus", "eastus", "missing", planning.Wanted("eastus"))


def test_409_is_waited_out_and_bounded():
    slept = []
    ok = models.replication("eastus")
    client = FakeReplications([("refuse", http_error(409)), ("refuse", http_error(409)), ok])
    assert executor(client, slept)(create_action(), Outcome(create_action())) is ok
    assert slept == [2, 4]
    slept.clear()
    client = FakeReplications([("refuse", http_error(409))] * 10)
    with pytest.raises(HttpResponseError):
        executor(client, slept)(create_action(), Outcome(create_action()))
    assert len(slept) == 6 and len(client.calls) == 7


def test_transient_failed_lro_is_retried_but_a_real_failure_is_not():
    slept = []
    ok = models.replication("eastus")
    transient = http_error(200, "InternalServerError: Please retry later.", lro=True)
    client = FakeReplications([transient, ok])
    assert executor(client, slept)(create_action(), Outcome(create_action())) is ok and slept == [5]
    slept.clear()
    client = FakeReplications([http_error(200, "ReplicationFailed: capacity", lro=True), ok])
    with pytest.raises(HttpResponseError):
        executor(client, slept)(create_action(), Outcome(create_action()))
    assert slept == [] and client.calls == [("PUT", "eastus")]


@pytest.mark.parametrize("message, transient", [
    ("InternalServerError: An internal error occurred.", True),
    ("ServiceUnavailable: anything", True), ("RetryableError: anything", True), ("gatewaytimeout: x", True),
    ("ReplicationFailed: Please retry later.", False),  # the code decides, never the wording
    ("Canceled: The operation was canceled.", False)])
def test_a_failed_operation_is_transient_by_its_error_code_alone(message, transient):
    assert errors.is_transient_failure(http_error(200, message, lro=True)) is transient
    assert errors.is_transient_failure(http_error(500, message)) is False  # not an operation that ended Failed


def test_recreate_confirms_by_get_waits_until_gone_and_retries_a_create_that_fails_after_delete():
    slept = []
    failed = models.replication("eastus", state="Failed")
    ok = models.replication("eastus")
    client = FakeReplications([http_error(200, "ReplicationFailed", lro=True), ok],
                              gets=[failed, failed, http_error(404)])
    client.gets[-1].status_code = 404
    action = create_action("recreate")
    assert executor(client, slept)(action, Outcome(action)) is ok
    assert client.calls == [("GET", "eastus"), ("DELETE", "eastus"), ("GET", "eastus"), ("GET", "eastus"),
                            ("PUT", "eastus"), ("PUT", "eastus")]
    assert slept == [1.0, 5]  # one pause until the GET said 404, one before the second PUT


def test_recreate_is_skipped_when_a_get_shows_the_replica_healthy():
    slept = []
    client = FakeReplications([], gets=[models.replication("eastus", state="Succeeded")])
    action = create_action("recreate")
    outcome = Outcome(action)
    executor(client, slept)(action, outcome)
    assert client.calls == [("GET", "eastus")] and outcome.note.startswith("skipped: it is Succeeded now")


def test_delete_skips_what_is_gone_and_the_home_replica():
    gone = http_error(404)
    for replica, note in ((gone, "already gone"), (models.replication("westus"), "skipped: it is the home replica")):
        client = FakeReplications([], gets=[replica])
        action = planning.Action("delete", "x", "x", "pruned")
        outcome = Outcome(action)
        executor(client, [])(action, outcome)
        assert client.calls == [("GET", "x")] and outcome.note == note


# --- Ctrl-C report ----------------------------------------------------------------------------------------
def test_interrupt_report_tells_started_in_flight_and_not_started_apart():
    outcomes = [Outcome(planning.Action("create", n, n, "missing")) for n in ("a", "b", "c")]
    outcomes[0].started = True
    outcomes[1].in_flight = True
    assert interrupt_report(outcomes) == ("Started: a. May have started (request in flight): b. Not started: c")


# --- no traceback from our own exceptions -----------------------------------------------------------------
def own_exception_types():
    found = []
    for info in pkgutil.walk_packages(azext_acr_replication.__path__, "azext_acr_replication."):
        module = importlib.import_module(info.name)
        found += [obj for _, obj in inspect.getmembers(module, inspect.isclass)
                  if issubclass(obj, BaseException) and obj.__module__ == module.__name__]
    return found


def test_every_exception_type_of_ours_ends_in_one_line():
    from azure.cli.core.azclierror import AzCLIError
    from azext_acr_replication._validators import ArgumentError
    types = own_exception_types()
    assert errors.ReplicationError in types and len(types) >= 5
    for kind in types:
        # ArgumentError: a validator's usage error (exit 2); the rest go through handle_exception
        assert issubclass(kind, (errors.ReplicationError, ArgumentError, AzCLIError)), kind


def test_handle_exception_turns_ours_into_one_azure_cli_error():
    from azure.cli.core.azclierror import AzureConnectionError, AzureResponseError
    from azext_acr_replication.arm.waiting import WaitTimeout
    with pytest.raises(AzureResponseError, match="Timed out"):
        handle_exception(WaitTimeout("Timed out after 2 s"))
    with pytest.raises(AzureConnectionError):
        handle_exception(ServiceRequestError("connection refused"))


def test_tls_errors_are_left_for_azure_clis_handler():
    from requests.exceptions import SSLError
    tls = ServiceRequestError("certificate verify failed", error=SSLError("certificate verify failed"))
    assert errors.is_tls_error(tls)
    with pytest.raises(ServiceRequestError):
        handle_exception(tls)
    assert not errors.is_tls_error(ServiceRequestError("connection refused"))


def test_sku_enum_compares_but_prints_badly():
    assert SkuName.PREMIUM == "Premium" and f"{SkuName.PREMIUM}" != "Premium"
