"""Unit tests for `status` without az or HTTP: image references, the watch over regions (fake checks),
the report and its one-line verdict, and the endpoint client's token flow over a fake pipeline."""
import threading
import time

import pytest

from azext_acr_replication.images import watch as image_status
from azext_acr_replication.images import report as image_report
from azext_acr_replication.replicas import status as replica_status
from azext_acr_replication._format import status_table
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
])
def test_parse_image_rejects_with_a_reason(text, says):
    with pytest.raises(ValueError, match=says):
        parse_image(text, "myreg.azurecr.io")


def test_image_ref_prints_as_typed_and_compares_by_value():
    assert str(ImageRef("a", "v1")) == "a:v1" and str(ImageRef("a", DIGEST)) == "a@" + DIGEST
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
