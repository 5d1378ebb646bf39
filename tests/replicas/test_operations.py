"""replicas/operations.py: the Executor that carries out one region's action against a scripted SDK client on a
fake clock. Bounded retries by reason (409 waited out, transient failures by code), what a recreate and a delete
check first, every pause within the command's deadline; the Ctrl-C report and the failure summary."""
import pytest
from azure.core.exceptions import HttpResponseError

from azext_acr_replication.arm.deadline import Deadline, TimedOut
from azext_acr_replication.arm.lookup import RegistryRef
from azext_acr_replication.replicas import operations
from azext_acr_replication.replicas import plan as planning
from azext_acr_replication.replicas.operations import Executor, Patience, interrupt_report
from azext_acr_replication.replicas.runner import Outcome
from tests.helpers import FakeClock, FakeReplications, http_error, replication

pytestmark = pytest.mark.unit


def executor(client, clock, seconds=3600, patience=None):
    """An Executor for registry myreg (home westus) whose every pause goes through clock (clock.slept)."""
    return Executor(client, (lambda **kw: kw, None), RegistryRef("myreg", "g", "westus"),  # the body is not read
                    patience=patience or Patience(), deadline=Deadline(seconds, clock, clock.sleep))


def action(kind="create"):
    return planning.Action(kind, "eastus", "eastus", "missing", planning.Wanted("eastus"))


# --- bounded retries by reason -----------------------------------------------------------------------------------
def test_409_is_waited_out_and_bounded():
    clock = FakeClock()
    ok = replication("eastus")
    client = FakeReplications([("refuse", http_error(409)), ("refuse", http_error(409)), ok])
    assert executor(client, clock)(action(), Outcome(action())) is ok
    assert clock.slept == [2, 4]
    clock = FakeClock()
    client = FakeReplications([("refuse", http_error(409))] * 10)
    with pytest.raises(HttpResponseError):
        executor(client, clock)(action(), Outcome(action()))
    assert len(clock.slept) == 6 and len(client.calls) == 7


def test_transient_failed_lro_is_retried_but_a_real_failure_is_not():
    clock = FakeClock()
    ok = replication("eastus")
    transient = http_error(200, "InternalServerError: Please retry later.", lro=True)
    client = FakeReplications([transient, ok])
    assert executor(client, clock)(action(), Outcome(action())) is ok and clock.slept == [5]
    clock = FakeClock()
    client = FakeReplications([http_error(200, "ReplicationFailed: capacity", lro=True), ok])
    with pytest.raises(HttpResponseError):
        executor(client, clock)(action(), Outcome(action()))
    assert clock.slept == [] and client.calls == [("PUT", "eastus")]


def test_recreate_confirms_by_get_waits_until_gone_and_retries_a_create_that_fails_after_delete():
    clock = FakeClock()
    failed = replication("eastus", state="Failed")
    ok = replication("eastus")
    client = FakeReplications([http_error(200, "ReplicationFailed", lro=True), ok],
                              gets=[failed, failed, http_error(404)])
    recreate = action("recreate")
    assert executor(client, clock)(recreate, Outcome(recreate)) is ok
    assert client.calls == [("GET", "eastus"), ("DELETE", "eastus"), ("GET", "eastus"), ("GET", "eastus"),
                            ("PUT", "eastus"), ("PUT", "eastus")]
    assert clock.slept == [1.0, 5]  # one pause until the GET said 404, one before the second PUT


def test_recreate_is_skipped_when_a_get_shows_the_replica_healthy():
    client = FakeReplications([], gets=[replication("eastus", state="Succeeded")])
    recreate = action("recreate")
    outcome = Outcome(recreate)
    executor(client, FakeClock())(recreate, outcome)
    assert client.calls == [("GET", "eastus")] and outcome.note.startswith("skipped: it is Succeeded now")


def test_delete_skips_what_is_gone_and_the_home_replica():
    for replica, note in ((http_error(404), "already gone"), (replication("westus"), "skipped: it is the home replica")):
        client = FakeReplications([], gets=[replica])
        delete = planning.Action("delete", "x", "x", "pruned")
        outcome = Outcome(delete)
        executor(client, FakeClock())(delete, outcome)
        assert client.calls == [("GET", "x")] and outcome.note == note


# --- within the command's deadline -------------------------------------------------------------------------------
def test_409_back_off_gives_up_at_once_when_the_next_try_would_start_after_the_deadline():
    clock = FakeClock(100)
    client = FakeReplications([("refuse", http_error(409))] * 10)
    with pytest.raises(TimedOut, match=r"Timed out after 6 s \(--timeout 10\) waiting to try again: eastus: "
                                       r"create was refused.*the next try would start after the deadline"):
        executor(client, clock, 10)(action(), Outcome(action()))
    assert clock.slept == [2, 4]  # the next pause (8 s) would have ended past the deadline: not slept
    assert len(client.calls) == 3


def test_transient_failure_pauses_are_bounded_by_the_deadline():
    clock = FakeClock(100)
    transient = http_error(200, "InternalServerError: Please retry later.", lro=True)
    client = FakeReplications([transient] * 4)
    with pytest.raises(TimedOut, match="Please retry later"):
        executor(client, clock, 12)(action(), Outcome(action()))
    assert clock.slept == [5]  # 15 s more would pass the deadline


def test_the_wait_for_a_deleted_replica_to_be_gone_ends_at_the_command_deadline():
    clock = FakeClock(100)
    failed = replication("eastus", state="Failed")
    client = FakeReplications([], gets=[failed] + [replication("eastus", state="Deleting")] * 50)
    recreate = action("recreate")
    with pytest.raises(TimedOut, match=r"Timed out after 30 s \(--timeout 30\) waiting for the deleted "
                                       "replication 'eastus' to be gone"):
        executor(client, clock, 30, Patience(gone_timeout=120))(recreate, Outcome(recreate))
    assert clock.now - 100 == 30
    # with more time left, the wait's own limit (gone_timeout) ends it, with its own message
    clock = FakeClock(100)
    client = FakeReplications([], gets=[failed] + [replication("eastus", state="Deleting")] * 50)
    with pytest.raises(Exception, match="still shows it after 20 s"):
        executor(client, clock, 3600, Patience(gone_timeout=20))(recreate, Outcome(recreate))


# --- what the user is told ---------------------------------------------------------------------------------------
def test_interrupt_report_tells_started_in_flight_and_not_started_apart():
    outcomes = [Outcome(planning.Action("create", n, n, "missing")) for n in ("a", "b", "c")]
    outcomes[0].started = True
    outcomes[1].in_flight = True
    assert interrupt_report(outcomes) == ("Started: a. May have started (request in flight): b. Not started: c")


def test_report_failures_says_started_for_no_wait_regions(monkeypatch):
    from azure.cli.core.azclierror import AzureResponseError
    lines = []
    monkeypatch.setattr(operations, "logger", type("L", (), {
        "warning": staticmethod(lambda fmt, *a: lines.append(fmt % a)),
        "error": staticmethod(lambda fmt, *a: lines.append(fmt % a))})())
    done, bad = Outcome(planning.Action("create", "eastus", "eastus", "missing")), \
        Outcome(planning.Action("create", "uksouth", "uksouth", "missing"))
    done.action.result, done.state = "started", "done"
    bad.action.result, bad.error = "failed", RuntimeError("boom")
    with pytest.raises(AzureResponseError, match=r"1 of 2 operations failed \(uksouth\)"):
        operations.report_failures([done, bad])
    assert lines == ["eastus: create started.", "uksouth: create failed: boom"]
