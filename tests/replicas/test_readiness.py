"""replicas/readiness.py: waiting until every replica is Ready (data synced), on a fake clock."""
import pytest

from azext_acr_replication.arm.deadline import Deadline
from azext_acr_replication.replicas.readiness import NotReadyError, wait_until_ready
from tests.helpers import FakeClock, replication

pytestmark = pytest.mark.unit


def test_wait_until_ready_polls_until_every_replica_is_ready():
    clock = FakeClock()
    script = {"a": iter(["Syncing", "Ready"]), "b": iter(["Syncing", "Syncing", "Ready"])}
    result = wait_until_ready(lambda n: replication(n, display=next(script[n])), ["a", "b"],
                              Deadline(60, clock, clock.sleep))
    assert set(result) == {"a", "b"} and clock.now == 1.0 + 1.0


def test_wait_until_ready_times_out_and_names_what_is_pending():
    clock = FakeClock()
    with pytest.raises(NotReadyError, match=r"Timed out after 5 s .* b \(Syncing\)"):
        wait_until_ready(lambda n: replication(n, display="Ready" if n == "a" else "Syncing"), ["a", "b"],
                         Deadline(5, clock, clock.sleep))
    assert clock.now == 5


def test_wait_until_ready_stops_on_failed():
    with pytest.raises(NotReadyError, match="Failed"):
        wait_until_ready(lambda n: replication(n, state="Failed"), ["a"], Deadline(60, sleep=lambda s: None))
