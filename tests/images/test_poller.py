"""images/poller.py: is every image in every replica yet? One pass over every region, states (present, missing,
digest differs, unreachable, ...), and with wait: following replicas being created, created or deleted meanwhile,
and regions whose answer waiting will not change. Regions run on threads; the probe is a fake (tests.helpers.
fake_probe: an ArtifactProbe whose check answers the tag's digest, so its report and verdict are the real ones).
Every test runs the poller on virtual time (the `clock` fixture: tests.helpers.VirtualTime, and the command's
Deadline on it), the --wait ones against a fake ARM (real Snapshot and ArmReads over SDK models) whose replicas
change over it: a wait of a minute takes no real time, and a busy machine changes no result."""
import threading

import pytest

from azext_acr_replication.images import artifacts, poller, snapshot
from azext_acr_replication.images.endpoint import DataPlaneError
from azext_acr_replication.images.poller import Board, Observation, Probe
from azext_acr_replication.images.snapshot import ArmReads, Snapshot, Target
from tests.helpers import DIGEST, OTHER_DIGEST, poll, replication, targets

pytestmark = pytest.mark.unit

EAST = "myreg.eastus.geo.azurecr.io"


def east():
    return [Target("eastus", "eastus", "Succeeded", EAST)]


def states(run, board, item=None):
    probe = run.probe
    item = item or board.items[0]
    return {t.location: probe.state(board, t, item) for t in board.current()}


def test_one_pass_reports_every_region_and_the_verdict(clock):
    answers = {"westus": DIGEST, "eastus": DIGEST, "japaneast": None}
    run, board = poll(clock, targets(*answers), ["hello:v1"], lambda t, i: answers[t.location])
    assert not run.probe.complete(board) and run.probe.nowhere(board) == []
    assert states(run, board) == {"westus": "present", "eastus": "present", "japaneast": "missing"}
    result = artifacts.report("myreg", board, run.probe)
    assert artifacts.problem_line(result) == "hello:v1: missing in japaneast"


def test_skew_is_its_own_state_and_names_the_digests(clock):
    answers = {"westus": DIGEST, "eastus": OTHER_DIGEST}
    run, board = poll(clock, targets(*answers), ["hello:v1"], lambda t, i: answers[t.location])
    assert states(run, board) == {"westus": "digest differs", "eastus": "digest differs"}
    line = artifacts.problem_line(artifacts.report("myreg", board, run.probe))
    assert line == f"hello:v1: 2 digests ({DIGEST[:19]} in westus; {OTHER_DIGEST[:19]} in eastus)"


def test_nowhere_ignores_regions_that_could_not_be_asked(clock):
    all_targets = targets("westus", "eastus") + [Target("japaneast", "japaneast", "Creating", None)]
    run, board = poll(clock, all_targets, ["hello:v9"], lambda t, i: None)
    assert [str(i) for i in run.probe.nowhere(board)] == ["hello:v9"]


def test_wait_polls_until_every_region_has_it_and_records_when_it_arrived(clock):
    arrives = {"westus": 0, "eastus": 0.6, "japaneast": 1.2}

    def check(target, _):
        return DIGEST if clock.now() >= arrives[target.location] else None
    run, board = poll(clock, targets(*arrives), ["hello:v1"], check, seconds=20, wait=True)
    assert run.probe.complete(board) and not run.timed_out
    arrived = {t.location: board.arrived[(t.location, "hello:v1")] for t in board.current()}
    assert arrived["westus"] < arrived["eastus"] <= arrived["japaneast"] < 1.2 + 3  # polls at most 3 s apart
    assert run.elapsed() < 1.2 + 3.5


def test_wait_times_out(clock):
    run, board = poll(clock, targets("westus", "eastus"), ["hello:v1"],
                      lambda t, i: DIGEST if t.location == "westus" else None, seconds=1, wait=True)
    assert run.timed_out and not run.probe.complete(board) and 1 <= run.elapsed() < 1.5


def test_a_wait_ends_at_the_commands_deadline_however_long_its_regions_take_to_start(clock, monkeypatch):
    """--timeout counts from the command's start: time spent starting the regions' threads does not shorten it."""
    from azext_acr_replication.images.poller import RegionPoller
    start = RegionPoller._start

    def slow_start(self, target, fresh=False):
        clock.pause(threading.Event(), 0.4)  # a loaded machine
        start(self, target, fresh)
    monkeypatch.setattr(RegionPoller, "_start", slow_start)
    run, _ = poll(clock, targets("westus", "eastus"), ["hello:v1"],
                  lambda t, i: DIGEST if t.location == "westus" else None, seconds=1, wait=True)
    assert run.timed_out and run.deadline.elapsed() >= 1


def test_a_hanging_region_is_reported_unreachable_without_holding_the_others(clock):
    def check(target, _):
        if target.location == "japaneast":
            clock.pause(threading.Event(), 10)  # longer than the answer bound
        return DIGEST
    run, board = poll(clock, targets("westus", "japaneast"), ["hello:v1"], check, answer_bound=1)
    assert run.elapsed() < 3
    assert states(run, board) == {"westus": "present", "japaneast": "unreachable"}
    assert board.observation(board.current()[1], board.items[0]).detail == "no answer within 1 s"


def test_data_plane_errors_become_states_with_detail(clock):
    def check(target, _):
        if target.location == "eastus":
            raise DataPlaneError("unreachable", "eastus did not answer")
        raise DataPlaneError("forbidden", "needs AcrPull")
    run, board = poll(clock, targets("westus", "eastus"), ["hello:v1"], check)
    seen = {t.location: (run.probe.state(board, t, board.items[0]), board.observation(t, board.items[0]).detail)
            for t in board.current()}
    assert seen == {"westus": ("error", "needs AcrPull"), "eastus": ("unreachable", "eastus did not answer")}
    assert board.observation(board.current()[0], board.items[0]).terminal  # a 403 does not change by waiting


def test_an_unexpected_exception_in_a_check_is_an_error_with_its_type(clock):
    def check(target, _):
        raise KeyError("digest")
    run, board = poll(clock, targets("westus"), ["hello:v1"], check)
    seen = board.observation(board.current()[0], board.items[0])
    assert (seen.state, seen.detail) == ("error", "KeyError: 'digest'")


def test_throttled_region_waits_as_long_as_retry_after_says(clock):
    calls = []

    def check(target, _):
        calls.append(clock.now())
        if len(calls) == 1:
            raise DataPlaneError("throttled", "429", retry_after=1.0)
        return DIGEST
    poll(clock, targets("westus"), ["hello:v1"], check, seconds=10, wait=True)
    assert len(calls) == 2 and calls[1] - calls[0] >= 0.95


def test_states_are_a_closed_set():
    assert {poller.PRESENT, poller.MISSING, poller.SKEW, poller.UNREACHABLE, poller.ERROR, poller.NOT_CHECKED,
            snapshot.CREATING, snapshot.DELETING, snapshot.REPLICA_FAILED, snapshot.NO_ENDPOINT} >= {
                "present", "missing", "digest differs", "replica creating"}
    assert set(poller.BLOCKED) == {snapshot.CREATING, snapshot.DELETING, snapshot.REPLICA_FAILED, snapshot.NO_ENDPOINT}


def test_without_wait_a_throttled_answer_is_asked_again_after_retry_after_within_the_answer_bound(clock):
    asked = []

    def check(target, image):
        asked.append(clock.now())
        if len(asked) == 1:
            raise DataPlaneError("throttled", f"{EAST} is throttling token requests (429)", retry_after=15)
        return DIGEST
    run, board = poll(clock, east(), ["hello:v1"], check)
    assert run.probe.complete(board) and len(asked) == 2 and asked[1] - asked[0] >= 15


def test_without_wait_a_retry_after_beyond_the_answer_bound_is_reported_at_once(clock):
    asked = []

    def check(target, image):
        asked.append(clock.now())
        raise DataPlaneError("throttled", f"{EAST} is throttling requests (429)", retry_after=45)
    run, board = poll(clock, east(), ["hello:v1"], check)
    assert not run.probe.complete(board) and len(asked) == 1 and run.elapsed() < 5
    seen = board.observation(board.current()[0], board.items[0])
    assert (seen.state, seen.retry_after, seen.detail) == ("error", 45, f"{EAST} is throttling requests (429)")


def test_a_region_asks_about_several_images_at_once_within_a_bound(clock):
    lock, now, peak = threading.Lock(), [0], [0]

    def check(target, image):
        with lock:
            now[0] += 1
            peak[0] = max(peak[0], now[0])
        clock.pause(threading.Event(), 0.05)  # all PER_REGION requests are in flight before any answers
        with lock:
            now[0] -= 1
        return DIGEST
    run, board = poll(clock, east(), ["app{}:v1".format(i) for i in range(10)], check)
    assert run.probe.complete(board) and peak[0] == poller.PER_REGION


def test_without_wait_a_slow_region_that_keeps_answering_is_not_called_unreachable(clock):

    def check(target, image):
        clock.pause(threading.Event(), 12)  # each answer takes 12 s: a round of 12 images at 4 at once takes 36 s
        return DIGEST
    run, board = poll(clock, east(), ["app{}:v1".format(i) for i in range(12)], check)
    assert run.probe.complete(board) and run.elapsed() >= 35


# --- the Board and the Probe's own judgements ----------------------------------------------------------------------
def test_the_board_holds_one_region_once_and_records_when_an_item_first_arrived():
    west, other_west = Target("westus", "westus", "Succeeded", "h"), Target("w2", "westus", "Succeeded", "h")
    board = Board([west], ["a"])
    assert board.observation(west, "a").state == poller.NOT_CHECKED and board.add(other_west) is False
    board.record(west, "a", Observation(poller.PRESENT, digest=DIGEST, parts=3), 1.26)
    board.record(west, "a", Observation(poller.PRESENT, digest=DIGEST), 5.0)
    assert board.arrived[("westus", "a")] == 1.3 and board.observation(west, "a").digest == DIGEST
    creating = Target("eastus", "eastus", "Creating", None)
    assert board.add(creating) and board.observation(creating, "a").state == "replica creating"
    board.remove(creating)
    board.record(creating, "a", Observation(poller.PRESENT), 6.0)  # a region's late answer after it was dropped
    assert board.current() == [west] and ("eastus", "a") not in board.seen and creating.removed


def test_an_observation_carries_what_the_probe_found():
    seen = Observation(poller.PRESENT, digest=DIGEST, listing=["v1"])
    assert seen.listing == ["v1"] and getattr(seen, "artifact", None) is None
    with pytest.raises(AttributeError):
        seen.artifact  # pylint: disable=pointless-statement


class Held(Probe):
    items = ("a",)


def test_the_probe_is_stuck_only_when_every_region_lacking_something_cannot_change_by_waiting():
    west, east_, failed = targets("westus", "eastus") + [Target("uksouth", "uksouth", "Failed", None)]
    board = Board([west, east_, failed], Held.items)
    probe = Held()
    board.record(west, "a", Observation(poller.PRESENT), 0.1)
    board.record(east_, "a", Observation(poller.MISSING), 0.1)
    assert not probe.stuck(board) and probe.pending(board, "a") == [east_, failed] and probe.nowhere(board) == []
    board.record(east_, "a", poller.failed(DataPlaneError("denied", "may not pull")), 0.2)
    assert probe.stuck(board) and not probe.complete(board)


# --- --wait follows the registry: a fake ARM whose replicas change over virtual time -----------------------------
class FakeReplica:
    def __init__(self, location, appears=0.0, provisioned=None, ends="Succeeded", gone=None):
        self.location, self.appears, self.provisioned, self.ends, self.gone = location, appears, provisioned, ends, gone

    def state(self, now):
        if now < self.appears or (self.gone is not None and now >= self.gone):
            return None
        if self.gone is not None:
            return "Deleting"
        if self.provisioned is not None and now < self.provisioned:
            return "Creating"
        return self.ends


class FakeArm:
    """ARM as a wait reads it again (ArmReads: the registry's JSON with its regional endpoints, the list of
    replications and one's GET, as SDK models) and the replicas' endpoints, over time. hosts_while_creating: the
    registry names a replica's host name while it is being created (else once it is Succeeded)."""

    def __init__(self, clock, replicas, arrives, hang_get=(), hosts_while_creating=False):
        self.clock, self.regions, self.arrives = clock, {r.location: r for r in replicas}, arrives
        self.hang_get, self.hosts_while_creating = hang_get, hosts_while_creating
        self.calls = []  # (what, region or None, when)

    def _log(self, what, region=None):
        self.calls.append((what, region, self.clock.now()))

    def _states(self):
        now = self.clock.now()
        return {location: r.state(now) for location, r in self.regions.items() if r.state(now)}

    def get_registry(self):
        self._log("registry")
        hosts = [f"myreg.{location}.geo.azurecr.io" for location, state in self._states().items()
                 if state == "Succeeded" or self.hosts_while_creating]
        return {"name": "myreg", "location": "westus", "properties": {
            "provisioningState": "Succeeded", "regionalEndpoints": "Enabled", "regionalEndpointHostNames": hosts}}

    def list_replicas(self):
        self._log("list")
        return [replication(location, state=state) for location, state in self._states().items()]

    def get_replica(self, name):
        self._log("get", name)
        if name in self.hang_get:
            self.clock.pause(threading.Event(), 30)
        state = self.regions[name].state(self.clock.now()) if name in self.regions else None
        return None if state is None else replication(name, state=state)

    def snapshot(self):
        """The Snapshot the command starts from (its reads not counted in calls)."""
        found = Snapshot(self.get_registry(), self.list_replicas(),
                         ArmReads(self.get_registry, self.list_replicas, self.get_replica))
        self.calls.clear()
        return found

    def check(self, target, image):
        replica = self.regions[target.location]
        self._log("head", target.location)
        if replica.state(self.clock.now()) != "Succeeded":
            raise DataPlaneError("unreachable", f"{target.endpoint} did not answer")
        return DIGEST if self.clock.now() >= self.arrives[target.location] else None

    def first(self, what, region):
        return min(when for w, r, when in self.calls if w == what and r == region)


def run_wait(clock, fake, timeout=120, images=("hello:v1",), check=None, wait=True):
    run, board = poll(clock, None, list(images), check or fake.check, seconds=timeout, snapshot=fake.snapshot(),
                      wait=wait)
    return run, board, run.elapsed()


def arrived(board, region, image="hello:v1"):
    return board.arrived.get((region, image))


def target(board, region):
    return next(t for t in board.current() if t.location == region)


def verdict(run, board):
    return artifacts.judged("myreg", board, run.probe, artifacts.report("myreg", board, run.probe), stuck=run.stuck)


def test_wait_follows_a_replica_being_created_and_asks_it_as_soon_as_it_is_provisioned(clock):
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("japaneast", provisioned=7)],
                   {"westus": 0, "japaneast": 7})
    run, board, took = run_wait(clock, fake)
    assert run.probe.complete(board) and not run.timed_out and not run.stuck
    assert 7 <= took <= 7 + 2  # the goal: within 2 s of the image reaching the replica
    gets = [when for what, region, when in fake.calls if what == "get" and region == "japaneast"]
    assert 0.8 <= gets[0] <= 1.6 and all(b - a <= 1.0 + 0.4 for a, b in zip(gets, gets[1:]))  # every 1 s
    assert fake.first("registry", None) >= 7  # the registry is re-read once the replica is provisioned ...
    assert fake.first("head", "japaneast") >= fake.first("registry", None)  # ... and its endpoint asked after
    assert not [c for c in fake.calls if c[0] == "head" and c[1] == "japaneast" and c[2] < 7]
    assert target(board, "japaneast").endpoint == "myreg.japaneast.geo.azurecr.io"


def test_a_replica_whose_host_name_is_known_is_asked_without_reading_the_registry_again(clock):
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("japaneast", provisioned=3)],
                   {"westus": 0, "japaneast": 3}, hosts_while_creating=True)  # listed while it is being created
    run, board, took = run_wait(clock, fake, timeout=60)
    assert run.probe.complete(board) and 3 <= took <= 3 + 2
    assert "registry" not in [c[0] for c in fake.calls]


def test_wait_finds_a_replica_created_after_it_began_within_the_relist_period(clock):
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("eastus"),
                           FakeReplica("japaneast", appears=2, provisioned=4)],
                   {"westus": 0, "eastus": 30, "japaneast": 4})
    run, board, took = run_wait(clock, fake)
    assert run.probe.complete(board) and {t.location for t in board.current()} == {"westus", "eastus", "japaneast"}
    lists = [when for what, _, when in fake.calls if what == "list"]
    assert 11 <= lists[0] <= 13.5  # re-listed every 12 s
    assert arrived(board, "japaneast") <= 4 + 12 + 1.5  # noticed within the re-list period of getting it
    assert 30 <= took <= 30 + 2


def test_wait_looks_once_more_before_saying_every_region_has_it(clock):
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("eastus"),
                           FakeReplica("japaneast", appears=1, provisioned=5)],
                   {"westus": 0, "eastus": 3, "japaneast": 6})
    run, board, took = run_wait(clock, fake)
    assert run.probe.complete(board) and "japaneast" in {t.location for t in board.current()}
    assert 6 <= took <= 6 + 2  # not 3 s (eastus), and not the 12 s re-list


def test_a_replica_deleted_while_waiting_is_dropped(clock):
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("eastus", gone=3)],
                   {"westus": 0, "eastus": 999})
    run, board, took = run_wait(clock, fake)
    assert run.probe.complete(board) and [t.location for t in board.current()] == ["westus"]
    assert 3 <= took <= 3 + 2.5


@pytest.mark.parametrize("kind", ["forbidden", "denied"])
def test_wait_ends_at_once_when_every_missing_region_answers_what_waiting_cannot_change(kind, clock):
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("eastus")], {"westus": 0, "eastus": 0})

    def check(target_, image):
        if target_.location == "eastus":
            raise DataPlaneError(kind, f"{EAST} said no ({kind})")
        return fake.check(target_, image)
    run, board, took = run_wait(clock, fake, check=check)
    assert run.stuck and not run.timed_out and took < 2
    line, code = verdict(run, board)
    assert code == 1 and line.startswith("Not in every region, and waiting will not change that: hello:v1: error in "
                                         f"eastus. eastus: {EAST} said no")
    assert ("firewall" in line) == (kind == "forbidden")


def test_a_replica_that_fails_while_being_created_ends_the_wait_naming_how_to_recreate_it(clock):
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("japaneast", provisioned=4, ends="Failed")],
                   {"westus": 0, "japaneast": 0})
    run, board, took = run_wait(clock, fake)
    assert run.stuck and 4 <= took <= 4 + 2
    assert verdict(run, board) == (
        "Not in every region, and waiting will not change that: hello:v1: replica failed in japaneast. japaneast: "
        "the replica failed or was canceled; create it again with 'az acr replication create -r myreg -l "
        "japaneast'.", 1)


def test_terminal_regions_do_not_end_the_wait_while_another_region_can_still_get_it(clock):
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("uksouth", ends="Canceled"),
                           FakeReplica("eastus")], {"westus": 0, "eastus": 5, "uksouth": 0})
    run, board, took = run_wait(clock, fake)
    assert run.stuck and 5 <= took <= 5 + 2 and arrived(board, "eastus") is not None


def test_a_hanging_arm_get_for_one_region_delays_no_other_region(clock):
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("eastus"),
                           FakeReplica("japaneast", provisioned=999)],
                   {"westus": 0, "eastus": 3, "japaneast": 999}, hang_get=("japaneast",))
    run, board, took = run_wait(clock, fake, timeout=10)
    assert run.timed_out and 10 <= took <= 11
    assert arrived(board, "eastus") <= 3 + 2
    assert run.probe.state(board, target(board, "japaneast"), board.items[0]) == "replica creating"


def test_without_wait_nothing_is_followed(clock):
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("japaneast", provisioned=1)],
                   {"westus": 0, "japaneast": 0})
    run, board, _ = run_wait(clock, fake, wait=False)
    assert [c[0] for c in fake.calls] == ["head"]
    assert verdict(run, board) == ("Not in every region yet: hello:v1: replica creating in japaneast.", 1)
