"""Unit tests for `status` without az or HTTP: image references, the watch over regions (fake checks),
the report and its one-line verdict, and the endpoint client's token flow over a fake pipeline."""
import threading
import time

import pytest

from azext_acr_replication.images import watch as image_status
from azext_acr_replication.images import report as image_report
from azext_acr_replication.replicas import status as replica_status
from azext_acr_replication._format import status_table
from azext_acr_replication.arm.deadline import Deadline
from azext_acr_replication.images.refs import ImageRef, parse_image
from azext_acr_replication.images.watch import Target, Watch
from azext_acr_replication.images.endpoint import DataPlaneError, EndpointClient, parse_challenge
from tests import sdk_models as models

DIGEST = "sha256:" + "a" * 64
OTHER = "sha256:" + "b" * 64


# --- image references -------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, repository, reference", [
    ("hello:v1", "hello", "v1"),
    ("team/app:1.4.2", "team/app", "1.4.2"),
    ("hello", "hello", "latest"),
    ("hello@" + DIGEST, "hello", DIGEST),
    ("myreg.azurecr.io/hello:v1", "hello", "v1"),
    ("my-app_x.y:V_1.0-rc", "my-app_x.y", "V_1.0-rc"),
    ("team/app:1.4.2@" + DIGEST, "team/app", DIGEST),  # as docker pull: the digest decides
    ("myreg.azurecr.io/app:1@" + DIGEST, "app", DIGEST),
])
def test_parse_image(text, repository, reference):
    image = parse_image(text, "myreg.azurecr.io")
    assert (image.repository, image.reference) == (repository, reference)


@pytest.mark.parametrize("text, says", [
    ("Hello:v1", "lowercase"),
    ("hello@sha256:abc", "64 lowercase hex"),
    ("hello:-x", "a tag is"),
    ("other.azurecr.io/app:1", "another registry"),
    ("hello:" + "x" * 129, "a tag is"),
    ("/hello:v1", "a repository is"),
    ("localhost:5000/app:1", "another registry"),
    ("app:-x@" + DIGEST, "a tag is"),
])
def test_parse_image_rejects_with_a_reason(text, says):
    with pytest.raises(ValueError, match=says):
        parse_image(text, "myreg.azurecr.io")


def test_image_ref_prints_as_typed_and_compares_by_value():
    assert str(ImageRef("a", "v1")) == "a:v1" and str(ImageRef("a", DIGEST)) == "a@" + DIGEST
    assert str(parse_image("a:v1@" + DIGEST)) == "a:v1@" + DIGEST
    assert ImageRef("a", "v1") == parse_image("a:v1") and len({ImageRef("a", "v1"), parse_image("a:v1")}) == 1


# --- the registry resource -> rows and targets --------------------------------------------------------------
REGISTRY = {"name": "myreg", "location": "westus", "properties": {
    "provisioningState": "Succeeded", "regionalEndpoints": "Enabled",
    "regionalEndpointHostNames": ["myreg.westus.geo.azurecr.io", "myreg.eastus.geo.azurecr.io"]}}


def test_rows_include_the_home_region_even_before_any_geo_replica():
    rows = replica_status.replica_rows(REGISTRY, [])
    assert [(r["name"], r["home"], r["regionalEndpoint"]) for r in rows] == [
        ("westus", True, "myreg.westus.geo.azurecr.io")]


def test_rows_carry_status_age_routing_and_endpoint():
    import datetime
    replicas = [models.replication("westus"), models.replication("eastus", display="Syncing", routing=False),
                models.replication("japaneast", state="Creating")]
    now = datetime.datetime(2026, 11, 27, 4, 0, tzinfo=datetime.timezone.utc)
    rows = {r["name"]: r for r in replica_status.replica_rows(REGISTRY, replicas, now)}
    assert rows["eastus"]["status"] == "Syncing" and rows["eastus"]["statusAgeSeconds"] == 3600
    assert rows["eastus"]["globalEndpointRouting"] is False
    assert rows["japaneast"]["regionalEndpoint"] is None and rows["japaneast"]["provisioningState"] == "Creating"
    table = status_table(list(rows.values()))
    assert table[1]["FOR"] == "60m" and table[1]["GLOBAL ROUTING"] == "off" and table[2]["REGIONAL ENDPOINT"] == "none"


def test_targets_know_why_a_replica_cannot_be_asked():
    replicas = [models.replication("eastus"), models.replication("japaneast", state="Creating"),
                models.replication("uksouth", state="Failed"), models.replication("westus")]
    blocked = {t.location: t.blocked for t in image_report.targets(REGISTRY, replicas)}
    assert blocked == {"eastus": None, "japaneast": "replica creating", "uksouth": "replica failed", "westus": None}


# --- the watch ---------------------------------------------------------------------------------------------------
def targets(*regions):
    return [Target(r, r, "Succeeded", f"myreg.{r}.geo.azurecr.io") for r in regions]


def test_one_pass_reports_every_region_and_the_verdict():
    image = parse_image("hello:v1")
    answers = {"westus": DIGEST, "eastus": DIGEST, "japaneast": None}
    board = Watch(targets(*answers), [image], lambda t, i: answers[t.location]).run()
    assert not board.complete() and board.nowhere() == []
    result = image_report.report("myreg", board)
    assert image_report.problem_line(result) == "hello:v1: missing in japaneast"


def test_skew_is_its_own_state_and_names_the_digests():
    image = parse_image("hello:v1")
    answers = {"westus": DIGEST, "eastus": OTHER}
    board = Watch(targets(*answers), [image], lambda t, i: answers[t.location]).run()
    states = {t.location: board.state(t, image) for t in board.targets}
    assert states == {"westus": "digest differs", "eastus": "digest differs"}
    line = image_report.problem_line(image_report.report("myreg", board))
    assert line == f"hello:v1: 2 digests ({DIGEST[:19]} in westus; {OTHER[:19]} in eastus)"


def test_nowhere_ignores_regions_that_could_not_be_asked():
    image = parse_image("hello:v9")
    all_targets = targets("westus", "eastus") + [Target("japaneast", "japaneast", "Creating", None)]
    board = Watch(all_targets, [image], lambda t, i: None).run()
    assert board.nowhere() == [image]


def test_wait_polls_until_every_region_has_it_and_records_when_it_arrived():
    image = parse_image("hello:v1")
    started = time.monotonic()
    arrives = {"westus": 0, "eastus": 0.6, "japaneast": 1.2}

    def check(target, _):
        return DIGEST if time.monotonic() - started >= arrives[target.location] else None
    watch = Watch(targets(*arrives), [image], check, wait=True, timeout=20)
    board = watch.run()
    assert board.complete() and not watch.timed_out
    arrived = {t.location: board.arrived[(t.location, "hello:v1")] for t in board.targets}
    assert arrived["westus"] < arrived["eastus"] <= arrived["japaneast"] < 1.2 + 3  # polls at most 3 s apart
    assert time.monotonic() - started < 1.2 + 3.5


def test_wait_times_out():
    watch = Watch(targets("westus", "eastus"), [parse_image("hello:v1")],
                  lambda t, i: DIGEST if t.location == "westus" else None, wait=True, timeout=1)
    board = watch.run()
    assert watch.timed_out and not board.complete()


def test_a_hanging_region_is_reported_unreachable_without_holding_the_others():
    release = threading.Event()

    def check(target, _):
        if target.location == "japaneast":
            release.wait(10)
        return DIGEST
    started = time.monotonic()
    board = Watch(targets("westus", "japaneast"), [parse_image("hello:v1")], check, answer_bound=1).run()
    release.set()
    assert time.monotonic() - started < 3
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


def test_throttled_region_waits_as_long_as_retry_after_says():
    calls = []

    def check(target, _):
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise DataPlaneError("throttled", "429", retry_after=1.0)
        return DIGEST
    Watch(targets("westus"), [parse_image("hello:v1")], check, wait=True, timeout=10).run()
    assert len(calls) == 2 and calls[1] - calls[0] >= 0.95


# --- the endpoint client's token flow -----------------------------------------------------------------------------
class FakeResponse:
    def __init__(self, status, headers=None, body=None, reason=""):
        self.status_code, self.headers, self._body, self.reason = status, headers or {}, body, reason

    def json(self):
        return self._body


class FakeRegistry:
    """Answers like ACR: a challenge, an exchange, a token, then manifests for a valid access token."""

    def __init__(self, manifests):
        self.manifests = manifests
        self.calls = []
        self.expire_access = False

    def send_request(self, request, **_):
        method, url = request.method, request.url
        path = url.split("azurecr.io", 1)[1]
        self.calls.append((method, path))
        if path == "/v2/":
            return FakeResponse(401, {"WWW-Authenticate": 'Bearer realm="https://myreg.westus.geo.azurecr.io/oauth2/'
                                                          'token",service="myreg.azurecr.io"'})
        if path == "/oauth2/exchange":
            return FakeResponse(200, body={"refresh_token": "REFRESH"})
        if path == "/oauth2/token":
            return FakeResponse(200, body={"access_token": "ACCESS-%d" % len(self.calls)})
        if request.headers.get("Authorization", "").startswith("Bearer ACCESS") and not self.expire_access:
            digest = self.manifests.get(path)
            return FakeResponse(200, {"Docker-Content-Digest": digest}) if digest else FakeResponse(404)
        self.expire_access = False
        return FakeResponse(401, {"WWW-Authenticate": "Bearer error=\"invalid_token\""})


def endpoint(manifests):
    fake = FakeRegistry(manifests)
    aad_calls = []

    def aad(renew=False):
        aad_calls.append(1)
        return "AAD", "tenant"
    return EndpointClient("myreg.westus.geo.azurecr.io", aad, pipeline=fake), fake, aad_calls


def test_challenge_exchange_token_once_then_one_head_per_image():
    client, fake, aad_calls = endpoint({"/v2/hello/manifests/v1": DIGEST, "/v2/hello/manifests/v2": OTHER})
    assert client.manifest_digest("hello", "v1") == DIGEST
    assert client.manifest_digest("hello", "v2") == OTHER
    assert client.manifest_digest("hello", "v3") is None
    assert fake.calls == [("GET", "/v2/"), ("POST", "/oauth2/exchange"), ("POST", "/oauth2/token"),
                          ("HEAD", "/v2/hello/manifests/v1"), ("HEAD", "/v2/hello/manifests/v2"),
                          ("HEAD", "/v2/hello/manifests/v3")]
    assert aad_calls == [1]


def test_an_expired_access_token_is_renewed_once():
    client, fake, _ = endpoint({"/v2/hello/manifests/v1": DIGEST})
    client.manifest_digest("hello", "v1")
    fake.expire_access = True
    assert client.manifest_digest("hello", "v1") == DIGEST
    assert fake.calls[-3:] == [("HEAD", "/v2/hello/manifests/v1"), ("POST", "/oauth2/token"),
                               ("HEAD", "/v2/hello/manifests/v1")]


def test_parse_challenge():
    assert parse_challenge('Bearer realm="https://r/oauth2/token",service="s",scope="repository:a:pull"') == {
        "realm": "https://r/oauth2/token", "service": "s", "scope": "repository:a:pull"}
    assert parse_challenge("Basic realm=x") == {} and parse_challenge(None) == {}


def test_states_are_a_closed_set():
    assert {image_status.PRESENT, image_status.MISSING, image_status.SKEW, image_status.CREATING,
            image_status.UNREACHABLE, image_status.ERROR} >= {"present", "missing"}


# --- --wait follows the registry (issue 19): fakes on a fast clock ------------------------------------------------
class FastClock:
    """The watch's clock, SPEED times faster than the wall clock: real threads, short tests."""
    SPEED = 20.0

    def __init__(self):
        self.origin = time.monotonic()

    def now(self):
        return (time.monotonic() - self.origin) * self.SPEED

    def pause(self, event, seconds):
        return event.wait(max(0.0, seconds) / self.SPEED)


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
            threading.Event().wait(30)
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


def test_wait_follows_a_replica_being_created_and_asks_it_as_soon_as_it_is_provisioned():
    clock = FastClock()
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


def test_a_replica_whose_host_name_is_known_is_asked_without_reading_the_registry_again():
    clock = FastClock()
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("japaneast", provisioned=3)],
                   {"westus": 0, "japaneast": 3})
    known = fake.targets()
    known[1].endpoint = "myreg.japaneast.geo.azurecr.io"  # the registry lists it while it is being created
    watch = Watch(known, [parse_image("hello:v1")], fake.check, wait=True, timeout=60, clock=clock, arm=fake)
    assert watch.run().complete() and 3 <= watch.elapsed() <= 3 + 2
    assert "registry" not in [c[0] for c in fake.calls]


def test_wait_finds_a_replica_created_after_it_began_within_the_relist_period():
    clock = FastClock()
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("eastus"),
                           FakeReplica("japaneast", appears=2, provisioned=4)],
                   {"westus": 0, "eastus": 30, "japaneast": 4})
    watch, board, took = run_watch(fake)
    assert board.complete() and {t.location for t in board.targets} == {"westus", "eastus", "japaneast"}
    lists = [when for what, _, when in fake.calls if what == "list"]
    assert 11 <= lists[0] <= 13.5  # re-listed every 12 s
    assert arrived(board, "japaneast") <= 4 + 12 + 1.5  # noticed within the re-list period of getting it
    assert 30 <= took <= 30 + 2


def test_wait_looks_once_more_before_saying_every_region_has_it():
    clock = FastClock()
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("eastus"),
                           FakeReplica("japaneast", appears=1, provisioned=5)],
                   {"westus": 0, "eastus": 3, "japaneast": 6})
    watch, board, took = run_watch(fake)
    assert board.complete() and "japaneast" in {t.location for t in board.targets}
    assert 6 <= took <= 6 + 2  # not 3 s (eastus), and not the 12 s re-list


def test_a_replica_deleted_while_waiting_is_dropped():
    clock = FastClock()
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("eastus", gone=3)],
                   {"westus": 0, "eastus": 999})
    watch, board, took = run_watch(fake)
    assert board.complete() and [t.location for t in board.targets] == ["westus"]
    assert 3 <= took <= 3 + 2.5


@pytest.mark.parametrize("kind", ["forbidden", "denied"])
def test_wait_ends_at_once_when_every_missing_region_answers_what_waiting_cannot_change(kind):
    clock = FastClock()
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


def test_a_replica_that_fails_while_being_created_ends_the_wait_naming_how_to_recreate_it():
    clock = FastClock()
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("japaneast", provisioned=4, ends="Failed")],
                   {"westus": 0, "japaneast": 0})
    watch, board, took = run_watch(fake)
    assert watch.stuck and 4 <= took <= 4 + 2
    line, code = image_report.verdict("myreg", board, image_report.report("myreg", board), stuck=True)
    assert code == 1 and line == ("Not in every region, and waiting will not change that: hello:v1: replica failed "
                                  "in japaneast. japaneast: the replica failed; create it again with 'az acr "
                                  "replication create -r myreg -l japaneast'.")


def test_terminal_regions_do_not_end_the_wait_while_another_region_can_still_get_it():
    clock = FastClock()
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("uksouth", ends="Canceled"),
                           FakeReplica("eastus")], {"westus": 0, "eastus": 5, "uksouth": 0})
    watch, board, took = run_watch(fake)
    assert watch.stuck and 5 <= took <= 5 + 2 and arrived(board, "eastus") is not None


def test_a_hanging_arm_get_for_one_region_delays_no_other_region():
    clock = FastClock()
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("eastus"),
                           FakeReplica("japaneast", provisioned=999)],
                   {"westus": 0, "eastus": 3, "japaneast": 999}, hang_get=("japaneast",))
    watch, board, took = run_watch(fake, timeout=10)
    assert watch.timed_out and 10 <= took <= 11
    assert arrived(board, "eastus") <= 3 + 2
    assert board.state(board.targets[2], board.images[0]) == "replica creating"


def test_without_wait_nothing_is_followed():
    clock = FastClock()
    fake = FakeArm(clock, [FakeReplica("westus"), FakeReplica("japaneast", provisioned=1)],
                   {"westus": 0, "japaneast": 0})
    watch = Watch(fake.targets(), [parse_image("hello:v1")], fake.check, clock=clock, arm=fake)
    board = watch.run()
    assert [c[0] for c in fake.calls] == ["head"]
    assert image_report.verdict("myreg", board, image_report.report("myreg", board)) == (
        "Not in every region yet: hello:v1: replica creating in japaneast.", 1)


def test_verdicts_and_exit_codes():
    image = parse_image("hello:v1")
    complete = Watch(targets("westus"), [image], lambda t, i: DIGEST).run()
    assert image_report.verdict("myreg", complete, image_report.report("myreg", complete)) is None
    nowhere = Watch(targets("westus", "eastus"), [image], lambda t, i: None).run()
    assert image_report.verdict("myreg", nowhere, image_report.report("myreg", nowhere)) == (
        "Not found in any region of 'myreg': hello:v1. Check the repository and tag (or push the image first).", 3)
    late = Watch(targets("westus", "eastus"), [image], lambda t, i: DIGEST if t.location == "westus" else None).run()
    assert image_report.verdict("myreg", late, image_report.report("myreg", late), timed_out_after=61.7) == (
        "Timed out after 61 s. Not in every region yet: hello:v1: missing in eastus.", 1)


# --- status --wait without --image: every replica Ready -------------------------------------------------------
def test_wait_every_replica_ready_returns_the_rows_and_a_failure_to_report():
    now = [0.0]
    script = {"eastus": iter(["Syncing", "Syncing", "Ready"]), "westus": iter(["Ready"] * 5)}

    def get(name):
        return models.replication(name, display=next(script[name], "Ready"))
    rows, failure = replica_status.wait_every_replica_ready(
        REGISTRY, [models.replication("westus", display="Ready"), models.replication("eastus", display="Syncing")],
        get, Deadline(60, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s)))
    assert failure is None and {r["name"]: r["status"] for r in rows} == {"westus": "Ready", "eastus": "Ready"}
    rows, failure = replica_status.wait_every_replica_ready(
        REGISTRY, [models.replication("eastus", display="Syncing")],
        lambda name: models.replication(name, display="Syncing"),
        Deadline(5, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s)))
    assert failure[1] == 1 and failure[0].startswith("Timed out after 5 s") and rows[1]["status"] == "Syncing"
    _, failure = replica_status.wait_every_replica_ready(
        REGISTRY, [models.replication("eastus", display="Syncing")],
        lambda name: models.replication(name, state="Failed"), Deadline(5, sleep=lambda s: None))
    assert failure == ("Replication 'eastus' is Failed; it will not become Ready. Run 'az acr replication sync' to "
                       "recreate it.", 1)


# --- review of issue 19: a 429 without --wait, a replica list that lags ----------------------------------------------
def test_without_wait_a_throttled_answer_is_asked_again_after_retry_after_within_the_answer_bound():
    clock, asked = FastClock(), []

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


def test_without_wait_a_retry_after_beyond_the_answer_bound_is_reported_at_once():
    clock, asked = FastClock(), []

    def check(target, image):
        asked.append(clock.now())
        raise DataPlaneError("throttled", "myreg.eastus.geo.azurecr.io is throttling requests (429)", retry_after=45)
    watch = Watch([Target("eastus", "eastus", "Succeeded", "myreg.eastus.geo.azurecr.io")],
                  [parse_image("hello:v1")], check, clock=clock)
    board = watch.run()
    assert not board.complete() and len(asked) == 1 and watch.elapsed() < 5


def test_replicas_the_list_does_not_show_yet_are_read_from_the_registrys_endpoints():
    registry = {"location": "westus", "properties": {"regionalEndpointHostNames": [
        "myreg.westus.geo.azurecr.io", "myreg.eastus.geo.azurecr.io", "myreg.japaneast.geo.azurecr.io"]}}
    listed = [models.replication("eastus")]
    asked = []

    def get_replica(name):
        asked.append(name)
        return models.replication(name, state="Creating") if name == "japaneast" else None
    found = replica_status.with_unlisted_replicas(registry, listed, get_replica)
    assert [m.location for m in found] == ["eastus", "japaneast"] and asked == ["japaneast"]
    assert replica_status.with_unlisted_replicas(registry, listed + [found[1]], get_replica)[1:] == [found[1]]
    assert asked == ["japaneast"]  # nothing to read when the list shows every endpoint's replica


def test_a_region_asks_about_several_images_at_once_within_a_bound():
    clock, lock, now, peak = FastClock(), threading.Lock(), [0], [0]

    def check(target, image):
        with lock:
            now[0] += 1
            peak[0] = max(peak[0], now[0])
        time.sleep(0.05)
        with lock:
            now[0] -= 1
        return DIGEST
    images = [parse_image("app{}:v1".format(i)) for i in range(10)]
    board = Watch([Target("eastus", "eastus", "Succeeded", "myreg.eastus.geo.azurecr.io")], images, check,
                  clock=clock).run()
    assert board.complete() and peak[0] == image_status.PER_REGION


def test_without_wait_a_slow_region_that_keeps_answering_is_not_called_unreachable():
    clock = FastClock()

    def check(target, image):
        clock.pause(threading.Event(), 12)  # each answer takes 12 s: a round of 12 images at 4 at once takes 36 s
        return DIGEST
    images = [parse_image("app{}:v1".format(i)) for i in range(12)]
    watch = Watch([Target("eastus", "eastus", "Succeeded", "myreg.eastus.geo.azurecr.io")], images, check,
                  clock=clock)
    board = watch.run()
    assert board.complete() and watch.elapsed() >= 35
