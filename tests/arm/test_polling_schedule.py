"""How long the commands' waits take and what holds their reads, on a fake clock (no az, no HTTP): `wait` with its
default --interval (30 s, only the longest pause) and --wait-ready end within 2 s of the replica at any length;
update and delete, which have no --timeout, follow a write far past the default deadline; and a 429 through the
pipeline holds every read of the subscription in its URL, and only that one, for the Retry-After it gave (seconds
or an HTTP date). The smoke tests of the same behaviours through az: tests/commands/test_polling.py."""
import email.utils
import math
import time
from types import SimpleNamespace

import pytest

from azext_acr_replication.arm.budget import ReadBudget
from azext_acr_replication.arm.deadline import DEFAULT_TIMEOUT, Deadline
from azext_acr_replication.arm.polling import AdaptivePolling, DeadlineRetryPolicy, PollSchedule
from azext_acr_replication.arm.waiting import condition_for, wait_for
from azext_acr_replication.replicas.readiness import wait_until_ready
from tests.helpers import FakeClock, replication

pytestmark = pytest.mark.unit

LENGTHS = [3, 14, 25, 90, 600]  # seconds a replica takes: within the first 8 s, past them, minutes


@pytest.mark.parametrize("length", LENGTHS)
def test_wait_with_the_default_interval_ends_within_2_s_of_the_replica(length):
    clock = FakeClock()
    reads = []

    def get():
        reads.append(clock.now)
        return replication("eastus", state="Creating" if clock.now < length else "Succeeded")
    description, created = condition_for(created=True)
    wait_for(get, description, created, Deadline(DEFAULT_TIMEOUT, clock, clock.sleep), 30)
    assert 0 <= clock.now - length <= PollSchedule.STEADY
    assert len(reads) <= 9 + length / PollSchedule.STEADY  # the grid's polls, not more


@pytest.mark.parametrize("length", LENGTHS)
def test_wait_ready_ends_within_2_s_of_the_data(length):
    clock = FakeClock()

    def get(name):
        return replication(name, display="Syncing" if clock.now < length else "Ready")
    ready = wait_until_ready(get, ["eastus", "japaneast"], Deadline(DEFAULT_TIMEOUT, clock, clock.sleep))
    assert sorted(ready) == ["eastus", "japaneast"]
    assert 0 <= clock.now - length <= PollSchedule.STEADY


class _Answer:  # pylint: disable=too-few-public-methods
    def __init__(self, headers, status=200):
        self.http_response = SimpleNamespace(headers=headers, status_code=status)


def test_update_and_delete_follow_a_write_past_the_default_timeout():
    from azext_acr_replication import custom
    policy = DeadlineRetryPolicy(retry_total=6)
    client = SimpleNamespace(_config=SimpleNamespace(retry_policy=policy))
    deadline = custom._deadline(client)  # pylint: disable=protected-access
    assert policy.deadline is deadline and policy.budget is not None  # bound to the client's retries and reads
    assert deadline.seconds == math.inf and not deadline.expired
    clock = FakeClock()
    polling = AdaptivePolling(deadline=Deadline(math.inf, clock, clock.sleep))
    polling._pipeline_response = _Answer({})  # pylint: disable=protected-access
    clock.now += 10 * DEFAULT_TIMEOUT
    assert 0 <= polling._extract_delay() <= 30  # pylint: disable=protected-access
    # (with a finite deadline the same poll ends the wait: tests of arm/deadline.py)


def throttled_read(budget, clock, retry_after, url):
    """One read through the command's ReadBudgetPolicy that ARM answers 429 with this Retry-After."""
    owner = DeadlineRetryPolicy(retry_total=6)
    owner.deadline, owner.budget = Deadline(600, clock, clock.sleep), budget
    owner.reads.next = SimpleNamespace(send=lambda request: _Answer({"Retry-After": retry_after}, 429))
    owner.reads.send(SimpleNamespace(http_request=SimpleNamespace(method="GET", url=url)))


def test_a_429_through_the_pipeline_holds_only_the_subscription_in_its_url():
    clock = FakeClock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    throttled_read(budget, clock, "20", "https://management.azure.com/subscriptions/S1/resourceGroups/g/x?a=1")
    assert budget.held_for("s1") == 20 and budget.held_for("s2") == 0
    assert budget.reserve("s1") == 20 and budget.reserve("s2") == 0


def test_a_429_with_an_http_date_holds_every_read_of_its_subscription_until_that_date():
    clock = FakeClock()
    budget = ReadBudget(clock=clock, sleep=clock.sleep)
    date = email.utils.formatdate(time.time() + 20, usegmt=True)  # whole seconds: 19 to 20 s from now
    throttled_read(budget, clock, date, "https://management.azure.com/subscriptions/S1/x?api-version=1")
    held = budget.held_for("s1")
    assert 18.5 <= held <= 20, held  # not the 5 s kept for a 429 without Retry-After
    for _ in range(3):  # every read of the subscription, whichever region it polls, waits for the date
        assert budget.reserve("s1") >= held
