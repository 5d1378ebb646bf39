"""One deadline per command (issue 19, item 5), without az or HTTP: every wait, poll and retry pause asks the
same Deadline, none runs past it, and its message says the time really spent."""
import pytest

from azext_acr_replication.arm.deadline import Deadline, TimedOut
from azext_acr_replication.arm.lookup import RegistryRef
from azext_acr_replication.arm.polling import AdaptivePolling, DeadlineRetryPolicy
from azext_acr_replication.arm.waiting import condition_for, wait_for
from azext_acr_replication.replicas import plan as planning
from azext_acr_replication.replicas.operations import Executor, Patience
from azext_acr_replication.replicas.readiness import NotReadyError, wait_until_ready
from azext_acr_replication.replicas.runner import Outcome
from tests import sdk_models as models
from tests.test_unit_hardening import FakeReplications, http_error


class Clock:
    def __init__(self):
        self.now = 100.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_pauses_never_run_past_the_deadline_and_the_message_says_the_time_spent():
    clock = Clock()
    deadline = Deadline(10, clock, clock.sleep)
    clock.now += 4
    assert deadline.remaining() == 6 and deadline.allows(5) and not deadline.allows(6)
    deadline.sleep(30)
    assert clock.slept == [6] and deadline.expired
    assert deadline.message("waiting") == "Timed out after 10 s (--timeout 10) waiting"
    assert Deadline(None, clock).seconds == 3600  # the default


def test_two_waits_of_one_command_share_the_deadline():
    clock = Clock()
    deadline = Deadline(20, clock, clock.sleep)
    creating = iter([models.replication("eastus", state="Creating")] * 5 + [models.replication("eastus")])
    description, created = condition_for(created=True)
    wait_for(lambda: next(creating), description, created, deadline, 30)
    first = clock.now - 100
    assert 0 < first < 20
    with pytest.raises(NotReadyError, match=r"Timed out after 20 s \(--timeout 20\) waiting for data"):
        wait_until_ready(lambda name: models.replication(name, display="Syncing"), ["eastus"], deadline)
    assert clock.now - 100 == 20  # not first + 20, as when each wait had its own timeout


def executor(client, clock, seconds, patience=None):
    return Executor(client, (lambda **kw: kw, None), RegistryRef("myreg", "g", "westus"),
                    patience=patience or Patience(), deadline=Deadline(seconds, clock, clock.sleep))


def action(kind="create"):
    return planning.Action(kind, "eastus", "eastus", "missing", planning.Wanted("eastus"))


def test_409_back_off_gives_up_at_once_when_the_next_try_would_start_after_the_deadline():
    clock = Clock()
    client = FakeReplications([("refuse", http_error(409))] * 10)
    with pytest.raises(TimedOut, match=r"Timed out after 6 s \(--timeout 10\) waiting to try again: eastus: "
                                       r"create was refused.*the next try would start after the deadline"):
        executor(client, clock, 10)(action(), Outcome(action()))
    assert clock.slept == [2, 4]  # the next pause (8 s) would have ended past the deadline: not slept
    assert len(client.calls) == 3


def test_transient_failure_pauses_are_bounded_by_the_deadline():
    clock = Clock()
    transient = http_error(200, "InternalServerError: Please retry later.", lro=True)
    client = FakeReplications([transient] * 4)
    with pytest.raises(TimedOut, match="Please retry later"):
        executor(client, clock, 12)(action(), Outcome(action()))
    assert clock.slept == [5]  # 15 s more would pass the deadline


def test_the_wait_for_a_deleted_replica_to_be_gone_ends_at_the_command_deadline():
    clock = Clock()
    failed = models.replication("eastus", state="Failed")
    client = FakeReplications([], gets=[failed] + [models.replication("eastus", state="Deleting")] * 50)
    recreate = action("recreate")
    with pytest.raises(TimedOut, match=r"Timed out after 30 s \(--timeout 30\) waiting for the deleted "
                                       "replication 'eastus' to be gone"):
        executor(client, clock, 30, Patience(gone_timeout=120))(recreate, Outcome(recreate))
    assert clock.now - 100 == 30
    # with more time left, the wait's own limit (gone_timeout) ends it, with its own message
    clock = Clock()
    client = FakeReplications([], gets=[failed] + [models.replication("eastus", state="Deleting")] * 50)
    with pytest.raises(Exception, match="still shows it after 20 s"):
        executor(client, clock, 3600, Patience(gone_timeout=20))(recreate, Outcome(recreate))


class Response:  # pylint: disable=too-few-public-methods
    def __init__(self, headers, status=200):
        self.http_response = type("H", (), {"headers": headers, "status_code": status})()


def test_lro_polls_wait_at_most_until_the_deadline_then_stop():
    clock = Clock()
    deadline = Deadline(5, clock, clock.sleep)
    polling = AdaptivePolling(deadline=deadline)
    polling._pipeline_response = Response({"retry-after": "30"})  # pylint: disable=protected-access
    clock.now += 2
    assert polling._extract_delay() == 3  # pylint: disable=protected-access
    clock.now += 3
    with pytest.raises(TimedOut, match="while ARM was still running the operation; it goes on in Azure"):
        polling._extract_delay()  # pylint: disable=protected-access


def test_azure_core_retries_honour_retry_after_within_the_deadline_and_give_up_beyond_it():
    clock = Clock()
    policy = DeadlineRetryPolicy(retry_total=6)
    transport = type("T", (), {"sleep": staticmethod(clock.sleep)})()
    settings = policy.configure_retries({})
    policy.deadline = Deadline(10, clock, clock.sleep)
    policy.sleep(settings, transport, response=Response({"Retry-After": "3"}, 429))
    assert clock.slept == [3]
    with pytest.raises(TimedOut, match="ARM answered 429 and asked to wait 40 s before trying again"):
        policy.sleep(settings, transport, response=Response({"Retry-After": "40"}, 429))
    assert clock.slept == [3]  # not slept: it would have ended past the deadline
