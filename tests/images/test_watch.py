"""images/watch.py: is every image in every replica yet? One pass over every region, states (present, missing,
digest differs, unreachable, ...), and with wait: following replicas being created, created or deleted meanwhile,
and regions whose answer waiting will not change. Regions run on threads; `check` is a fake. Tests about time run
the watch on virtual time (the `clock` fixture: tests.helpers.VirtualTime), the --wait ones against a fake ARM whose
replicas change over it: a wait of a minute takes no real time, and a busy machine changes no result."""
import threading

import pytest

from azext_acr_replication.images import report as image_report
from azext_acr_replication.images import watch as image_status
from azext_acr_replication.images.endpoint import DataPlaneError
from azext_acr_replication.images.refs import parse_image
from azext_acr_replication.images.watch import Target, Watch
from tests.helpers import DIGEST, OTHER_DIGEST, VirtualTime, targets

pytestmark = pytest.mark.unit


@pytest.fixture
def clock(monkeypatch):
    """Virtual time for the watch: its threads take part through VirtualTime.threading."""
    virtual = VirtualTime()
    monkeypatch.setattr(image_status, "threading", virtual.threading)
    yield virtual
    virtual.close()


def test_one_pass_reports_every_region_and_the_verdict():
    image = parse_image("hello:v1")
    answers = {"westus": DIGEST, "eastus": DIGEST, "japaneast": None}
    board = Watch(targets(*answers), [image], lambda t, i: answers[t.location]).run()
    assert not board.complete() and board.nowhere() == []
    result = image_report.report("myreg", board)
    assert image_report.problem_line(result) == "hello:v1: missing in japaneast"


def test_skew_is_its_own_state_and_names_the_digests():
    image = parse_image("hello:v1")
    answers = {"westus": DIGEST, "eastus": OTHER_DIGEST}
    board = Watch(targets(*answers), [image], lambda t, i: answers[t.location]).run()
    states = {t.location: board.state(t, image) for t in board.targets}
    assert states == {"westus": "digest differs", "eastus": "digest differs"}
    line = image_report.problem_line(image_report.report("myreg", board))
    assert line == f"hello:v1: 2 digests ({DIGEST[:19]} in westus; {OTHER_DIGEST[:19]} in eastus)"


def test_nowhere_ignores_regions_that_could_not_be_asked():
    image = parse_image("hello:v9")
    all_targets = targets("westus", "eastus") + [Target("japaneast", "japaneast", "Creating", None)]
    board = Watch(all_targets, [image], lambda t, i: None).run()
    assert board.nowhere() == [image]


def test_wait_polls_until_every_region_has_it_and_records_when_it_arrived(clock):
    image = parse_image("hello:v1")
    arrives = {"westus": 0, "eastus": 0.6, "japaneast": 1.2}

    def check(target, _):
        return DIGEST if clock.now() >= arrives[target.location] else None
    watch = Watch(targets(*arrives), [image], check, wait=True, timeout=20, clock=clock)
    board = watch.run()
    assert board.complete() and not watch.timed_out
    arrived = {t.location: board.arrived[(t.location, "hello:v1")] for t in board.targets}
    assert arrived["westus"] < arrived["eastus"] <= arrived["japaneast"] < 1.2 + 3  # polls at most 3 s apart
    assert watch.elapsed() < 1.2 + 3.5


def test_wait_times_out(clock):
    watch = Watch(targets("westus", "eastus"), [parse_image("hello:v1")],
                  lambda t, i: DIGEST if t.location == "westus" else None, wait=True, timeout=1, clock=clock)
    board = watch.run()
    assert watch.timed_out and not board.complete() and 1 <= watch.elapsed() < 1.5


def test_a_hanging_region_is_reported_unreachable_without_holding_the_others(clock):
    def check(target, _):
        if target.location == "japaneast":
            clock.pause(threading.Event(), 10)  # longer than the answer bound
        return DIGEST
    watch = Watch(targets("westus", "japaneast"), [parse_image("hello:v1")], check, answer_bound=1, clock=clock)
    board = watch.run()
    assert watch.elapsed() < 3
    states = {t.location: board.state(t, board.images[0]) for t in board.targets}
    assert states == {"westus": "present", "japaneast": "unreachable"}


def test_data_plane_errors_become_states_with_detail():
    def check(target, _):
        if target.location == "eastus":
            raise DataPlaneError("unreachable", "eastus did not answer")
        raise DataPlaneError("forbidden", "needs AcrPull")
    board = Watch(targets("westus", "eastus"), [parse_image("hello:v1")], check).run()
    seen = {t.location: (board.state(t, board.images[0]), board.seen[(t.location, "hello:v1")].detail)
            for t in board.targets}
    assert seen == {"westus": ("error", "needs AcrPull"), "eastus": ("unreachable", "eastus did not answer")}


def test_throttled_region_waits_as_long_as_retry_after_says(clock):
    calls = []

    def check(target, _):
        calls.append(clock.now())
        if len(calls) == 1:
            raise DataPlaneError("throttled", "429", retry_after=1.0)
        return DIGEST
    Watch(targets("westus"), [parse_image("hello:v1")], check, wait=True, timeout=10, clock=clock).run()
    assert len(calls) == 2 and calls[1] - calls[0] >= 0.95


def test_states_are_a_closed_set():
    assert {image_status.PRESENT, image_status.MISSING, image_status.SKEW, image_status.CREATING,
            image_status.UNREACHABLE, image_status.ERROR} >= {"present", "missing"}


def test_without_wait_a_throttled_answer_is_asked_again_after_retry_after_within_the_answer_bound(clock):
    asked = []

    def check(target, image):
        asked.append(clock.now())
        if len(asked) == 1:
            raise DataPlaneError("throttled", "myreg.eastus.geo.azurecr.io is throttling token requests (429)",
                                 retry_after=15)
        return DIGEST
    watch = Watch([Target("eastus", "eastus", "Succeeded", "myreg.eastus.geo.azurecr.io")],
                  [parse_image("hello:v1")], check, clock=clock)
    board = watch.run()
    assert board.complete() and len(asked) == 2 and asked[1] - asked[0] >= 15


def test_without_wait_a_retry_after_beyond_the_answer_bound_is_reported_at_once(clock):
    asked = []

    def check(target, image):
        asked.append(clock.now())
        raise DataPlaneError("throttled", "myreg.eastus.geo.azurecr.io is throttling requests (429)", retry_after=45)
    watch = Watch([Target("eastus", "eastus", "Succeeded", "myreg.eastus.geo.azurecr.io")],
                  [parse_image("hello:v1")], check, clock=clock)
    board = watch.run()
    assert not board.complete() and len(asked) == 1 and watch.elapsed() < 5


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
    images = [parse_image("app{}:v1".format(i)) for i in range(10)]
    board = Watch([Target("eastus", "eastus", "Succeeded", "myreg.eastus.geo.azurecr.io")], images, check,
                  clock=clock).run()
    assert board.complete() and peak[0] == image_status.PER_REGION


def test_without_wait_a_slow_region_that_keeps_answering_is_not_called_unreachable(clock):

    def check(target, image):
        clock.pause(threading.Event(), 12)  # each answer takes 12 s: a round of 12 images at 4 at once takes 36 s
        return DIGEST
    images = [parse_image("app{}:v1".format(i)) for i in range(12)]
    watch = Watch([Target("eastus", "eastus", "Succeeded", "myreg.eastus.geo.azurecr.io")], images, check,
                  clock=clock)
    board = watch.run()
    assert board.complete() and watch.elapsed() >= 35


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
    """ARM as the watch sees it (replica GET, list, registry read) and the replicas' endpoints, over time."""

    def __init__(self, clock, replicas, arrives, hang_get=()):
        self.clock, self.regions, self.arrives = clock, {r.location: r for r in replicas}, arrives
        self.hang_get = hang_get
        self.calls = []  # (what, region or None, when)

    def _log(self, what, region=None):
        self.calls.append((what, region, self.clock.now()))

    def replica(self, name):
        self._log("get", name)
        if name in self.hang_get:
            self.clock.pause(threading.Event(), 30)
        return self.regions[name].state(self.clock.now())

    def replicas(self):
        self._log("list")
        now = self.clock.now()
        return [(r.location, r.location, r.state(now)) for r in self.regions.values() if r.state(now)]

    def endpoints(self):
        self._log("registry")
        now = self.clock.now()
        return {r.location: f"myreg.{r.location}.geo.azurecr.io" for r in self.regions.values() if r.state(now)}

    def targets(self):
        now = self.clock.now()
        return [Target(r.location, r.location, r.state(now), f"myreg.{r.location}.geo.azurecr.io"
                       if r.state(now) == "Succeeded" else None) for r in self.regions.values() if r.state(now)]

    def check(self, target, image):
        replica = self.regions[target.location]
        self._log("head", target.location)
        if replica.state(self.clock.now()) != "Succeeded":
            raise DataPlaneError("unreachable", f"{target.endpoint} did not answer")
        return DIGEST if self.clock.now() >= self.arrives[target.location] else None

    def first(self, what, region):
        return min(when for w, r, when in self.calls if w == what and r == region)


def run_watch(fake, timeout=120, images=("hello:v1",)):
    watch = Watch(fake.targets(), [parse_image(i) for i in images], fake.check, wait=True, timeout=timeout,
                  clock=fake.clock, arm=fake)
    board = watch.run()
    return watch, board, watch.elapsed()


def arrived(board, region, image="hello:v1"):
    return board.arrived.get((region, image))


def test_wait_follows_a_replica_being_created_and_asks_it_as_soon_as_it_is_provisioned(clock):
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("japaneast", provisioned=7)],
                   {"westus": 0, "japaneast": 7})
    watch, board, took = run_watch(fake)
    assert board.complete() and not watch.timed_out and not watch.stuck
    assert 7 <= took <= 7 + 2  # the goal: within 2 s of the image reaching the replica
    gets = [when for what, region, when in fake.calls if what == "get" and region == "japaneast"]
    assert 0.8 <= gets[0] <= 1.6 and all(b - a <= 1.0 + 0.4 for a, b in zip(gets, gets[1:]))  # every 1 s
    assert fake.first("registry", None) >= 7  # the registry is re-read once the replica is provisioned ...
    assert fake.first("head", "japaneast") >= fake.first("registry", None)  # ... and its endpoint asked after
    assert not [c for c in fake.calls if c[0] == "head" and c[1] == "japaneast" and c[2] < 7]


def test_a_replica_whose_host_name_is_known_is_asked_without_reading_the_registry_again(clock):
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("japaneast", provisioned=3)],
                   {"westus": 0, "japaneast": 3})
    known = fake.targets()
    known[1].endpoint = "myreg.japaneast.geo.azurecr.io"  # the registry lists it while it is being created
    watch = Watch(known, [parse_image("hello:v1")], fake.check, wait=True, timeout=60, clock=clock, arm=fake)
    assert watch.run().complete() and 3 <= watch.elapsed() <= 3 + 2
    assert "registry" not in [c[0] for c in fake.calls]


def test_wait_finds_a_replica_created_after_it_began_within_the_relist_period(clock):
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("eastus"),
                           FakeReplica("japaneast", appears=2, provisioned=4)],
                   {"westus": 0, "eastus": 30, "japaneast": 4})
    watch, board, took = run_watch(fake)
    assert board.complete() and {t.location for t in board.targets} == {"westus", "eastus", "japaneast"}
    lists = [when for what, _, when in fake.calls if what == "list"]
    assert 11 <= lists[0] <= 13.5  # re-listed every 12 s
    assert arrived(board, "japaneast") <= 4 + 12 + 1.5  # noticed within the re-list period of getting it
    assert 30 <= took <= 30 + 2


def test_wait_looks_once_more_before_saying_every_region_has_it(clock):
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("eastus"),
                           FakeReplica("japaneast", appears=1, provisioned=5)],
                   {"westus": 0, "eastus": 3, "japaneast": 6})
    watch, board, took = run_watch(fake)
    assert board.complete() and "japaneast" in {t.location for t in board.targets}
    assert 6 <= took <= 6 + 2  # not 3 s (eastus), and not the 12 s re-list


def test_a_replica_deleted_while_waiting_is_dropped(clock):
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("eastus", gone=3)],
                   {"westus": 0, "eastus": 999})
    watch, board, took = run_watch(fake)
    assert board.complete() and [t.location for t in board.targets] == ["westus"]
    assert 3 <= took <= 3 + 2.5


@pytest.mark.parametrize("kind", ["forbidden", "denied"])
def test_wait_ends_at_once_when_every_missing_region_answers_what_waiting_cannot_change(kind, clock):
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("eastus")], {"westus": 0, "eastus": 0})
    plain = fake.check

    def check(target, image):
        if target.location == "eastus":
            raise DataPlaneError(kind, f"myreg.eastus.geo.azurecr.io said no ({kind})")
        return plain(target, image)
    watch = Watch(fake.targets(), [parse_image("hello:v1")], check, wait=True, timeout=120, clock=clock, arm=fake)
    board = watch.run()
    assert watch.stuck and not watch.timed_out and watch.elapsed() < 2
    result = image_report.report("myreg", board)
    line, code = image_report.verdict("myreg", board, result, stuck=watch.stuck)
    assert code == 1 and line.startswith("Not in every region, and waiting will not change that: hello:v1: error in "
                                         "eastus. eastus: myreg.eastus.geo.azurecr.io said no")
    assert ("firewall" in line) == (kind == "forbidden")


def test_a_replica_that_fails_while_being_created_ends_the_wait_naming_how_to_recreate_it(clock):
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("japaneast", provisioned=4, ends="Failed")],
                   {"westus": 0, "japaneast": 0})
    watch, board, took = run_watch(fake)
    assert watch.stuck and 4 <= took <= 4 + 2
    line, code = image_report.verdict("myreg", board, image_report.report("myreg", board), stuck=True)
    assert code == 1 and line == ("Not in every region, and waiting will not change that: hello:v1: replica failed "
                                  "in japaneast. japaneast: the replica failed; create it again with 'az acr "
                                  "replication create -r myreg -l japaneast'.")


def test_terminal_regions_do_not_end_the_wait_while_another_region_can_still_get_it(clock):
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("uksouth", ends="Canceled"),
                           FakeReplica("eastus")], {"westus": 0, "eastus": 5, "uksouth": 0})
    watch, board, took = run_watch(fake)
    assert watch.stuck and 5 <= took <= 5 + 2 and arrived(board, "eastus") is not None


def test_a_hanging_arm_get_for_one_region_delays_no_other_region(clock):
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("eastus"),
                           FakeReplica("japaneast", provisioned=999)],
                   {"westus": 0, "eastus": 3, "japaneast": 999}, hang_get=("japaneast",))
    watch, board, took = run_watch(fake, timeout=10)
    assert watch.timed_out and 10 <= took <= 11
    assert arrived(board, "eastus") <= 3 + 2
    assert board.state(board.targets[2], board.images[0]) == "replica creating"


def test_without_wait_nothing_is_followed(clock):
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("japaneast", provisioned=1)],
                   {"westus": 0, "japaneast": 0})
    watch = Watch(fake.targets(), [parse_image("hello:v1")], fake.check, clock=clock, arm=fake)
    board = watch.run()
    assert [c[0] for c in fake.calls] == ["head"]
    assert image_report.verdict("myreg", board, image_report.report("myreg", board)) == (
        "Not in every region yet: hello:v1: replica creating in japaneast.", 1)
