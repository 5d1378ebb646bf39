"""arm/deadline.py: one deadline per command. Every wait, poll and retry pause asks the same Deadline, none runs past
it, and its message says the time really spent."""
import pytest

from azext_acr_replication.arm.deadline import Deadline
from azext_acr_replication.arm.waiting import condition_for, wait_for
from azext_acr_replication.replicas.readiness import NotReadyError, wait_until_ready
from tests.helpers import FakeClock, replication

pytestmark = pytest.mark.unit


def test_pauses_never_run_past_the_deadline_and_the_message_says_the_time_spent():
    clock = FakeClock(100)
    deadline = Deadline(10, clock, clock.sleep)
    clock.now += 4
    assert deadline.remaining() == 6 and deadline.allows(5) and not deadline.allows(6)
    deadline.sleep(30)
    assert clock.slept == [6] and deadline.expired
    assert deadline.message("waiting") == "Timed out after 10 s (--timeout 10) waiting"
    assert Deadline(None, clock).seconds == 3600  # the default


def test_two_waits_of_one_command_share_the_deadline():
    clock = FakeClock(100)
    deadline = Deadline(20, clock, clock.sleep)
    creating = iter([replication("eastus", state="Creating")] * 5 + [replication("eastus")])
    description, created = condition_for(created=True)
    wait_for(lambda: next(creating), description, created, deadline, 30)
    first = clock.now - 100
    assert 0 < first < 20
    with pytest.raises(NotReadyError, match=r"Timed out after 20 s \(--timeout 20\) waiting for data"):
        wait_until_ready(lambda name: replication(name, display="Syncing"), ["eastus"], deadline)
    assert clock.now - 100 == 20  # not first + 20, as when each wait had its own timeout
