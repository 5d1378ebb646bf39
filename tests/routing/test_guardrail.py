"""routing/guardrail.py and drain.py over fakes: what a drain leaves routed, and the race."""
import datetime

import pytest

from azext_acr_replication.routing import drain as draining
from azext_acr_replication.routing import guardrail, record
from azext_acr_replication.routing.health import DOWN, HEALTHY, Health
from azext_acr_replication.routing.probe import Target
from tests.helpers import NOW

pytestmark = pytest.mark.unit


def target(name, routing=True, status="Ready", tags=None, modified=None):
    return Target(name, name, endpoint=name + ".geo", provisioning_state="Succeeded", status=status,
                  routing=routing, tags=tags, modified=modified, model=object())


class FakeArm:
    """ARM behind drain.py's interface; on_write lets a test run another drain's write in between."""

    def __init__(self, *targets):
        self.replicas = {t.name: t for t in targets}
        self.writes = []
        self.on_write = None

    def list(self):
        return list(self.replicas.values())

    def get(self, name):
        return self.replicas.get(name)

    def write(self, name, tags, routing):
        old = self.replicas[name]
        self.writes.append((name, routing))
        self.replicas[name] = target(name, old.routing if routing is None else routing, old.status, tags,
                                     modified=NOW + datetime.timedelta(seconds=len(self.writes)))
        if self.on_write:
            hook, self.on_write = self.on_write, None
            hook()
        return self.replicas[name]


def healthy(targets):
    return {t.name: Health(HEALTHY) for t in targets}


def test_counts_only_routed_ready_healthy():
    targets = [target("a"), target("b", routing=False), target("c", status="Syncing"), target("d")]
    counted, missing = guardrail.others(targets, "a", {"d": Health(DOWN, ["x"])})
    assert counted == [] and [m[0] for m in missing] == ["b", "c", "d"]
    assert guardrail.others(targets, "a", {}, skip_probe=True)[0] == ["d"]


def test_last_routed_refused_without_a_write():
    arm = FakeArm(target("westus"), target("eastus", routing=False, tags=record.with_drain({}, "r", None, NOW)))
    with pytest.raises(draining.DrainRefused, match="fewer than --min-routed 1"):
        draining.drain(arm, "reg", "westus", ("r", None), probe=healthy, guard=draining.Guard(1), now=NOW)
    assert arm.writes == []


def test_unhealthy_other_refused():
    arm = FakeArm(target("westus"), target("eastus"))
    with pytest.raises(draining.DrainRefused, match="eastus: down"):
        draining.drain(arm, "reg", "westus", ("r", None), probe=lambda ts: {"eastus": Health(DOWN)},
                       guard=draining.Guard(1), now=NOW)


def test_idempotent():
    arm = FakeArm(target("westus"), target("eastus"))
    draining.drain(arm, "reg", "eastus", ("r", None), probe=healthy, guard=draining.Guard(1), now=NOW)
    again = draining.drain(arm, "reg", "eastus", ("r", None), probe=healthy, guard=draining.Guard(1), now=NOW)
    assert again.result == draining.ALREADY and len(arm.writes) == 1


def test_concurrent_drain_is_undone():
    arm = FakeArm(target("westus"), target("eastus"), target("westeurope"))

    def rival():  # another operator's drain lands between this write and its read-back, and is the earlier one
        arm.replicas["westeurope"] = target("westeurope", False, tags=record.with_drain({}, "B", None, NOW),
                                            modified=NOW)
    arm.on_write = rival
    outcome = draining.drain(arm, "reg", "eastus", ("A", None), probe=healthy,
                             guard=draining.Guard(2, skip_probe=True, sleep=lambda _: None), now=NOW)
    assert outcome.result == draining.UNDONE and "westeurope" in outcome.message
    assert arm.replicas["eastus"].routing is True and record.read(arm.replicas["eastus"].tags) is None


def test_dry_run_writes_nothing():
    arm = FakeArm(target("westus"), target("eastus"))
    outcome = draining.drain(arm, "reg", "eastus", ("r", None), probe=healthy, guard=draining.Guard(1), now=NOW,
                             dry_run=True)
    assert outcome.result == draining.WOULD and arm.writes == []


def test_undrain_refuses_unhealthy_and_force_skips():
    tags = record.with_drain({}, "r", None, NOW)
    arm = FakeArm(target("westus"), target("eastus", routing=False, tags=tags))
    with pytest.raises(draining.DrainRefused, match="probes down"):
        draining.undrain(arm, "reg", "eastus", lambda ts: {"eastus": Health(DOWN, ["x"])})
    assert arm.writes == []
    outcome = draining.undrain(arm, "reg", "eastus", None, force=True)
    assert outcome.forced and arm.replicas["eastus"].routing is True and record.read(arm.replicas["eastus"].tags) is None
