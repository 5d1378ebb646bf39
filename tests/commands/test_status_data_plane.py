"""What every data-plane mode of `az acr replication status` (--image, --repository, --all-repositories) shares,
through the real az and the emulator's registry data plane made as strict as ACR: the token flow (one token request
per endpoint for many repositories, tokens reused, renewed as they expire), a token service that grants fewer
actions than asked or throttles, permissions and the role each refusal names, retries, paged listings and tags
changed while they are read, every manifest type and the Accept rule, a TLS-inspecting proxy, domain-name-label and
sovereign-cloud host names. No token of any kind may show in the output of any of these paths."""
import json
import time
from collections import Counter

import pytest

from azext_acr_replication.images.endpoint import jwt_claims
from emulator.harness import login
from emulator.state import CLIENT_ID
from emulator.state.images import DOCKER_LIST, DOCKER_MANIFEST, OCI_ARTIFACT, OCI_INDEX, OCI_MANIFEST
from tests.helpers import REG, by_region, errors, listings, region, registry_session, repo

pytestmark = pytest.mark.e2e

DENIED = ("{} may not pull hello in demopremium: needs AcrPull, or 'Container Registry Repository Reader' on "
          "registries with ABAC repository permissions").format(CLIENT_ID)


def shown(result):
    """What a user sees on stderr: without the --debug lines (where azure-cli logs every error's traceback)."""
    return "\n".join(line for line in result.stderr.splitlines() if not line.startswith(("DEBUG:", "INFO:")))


def token_calls(emu, path, host=""):
    return [e for e in emu.dataplane_requests() if e["path"] == path and host in e["host"]]


def per_host(emu, path):
    return Counter(e["host"].split(".")[1] for e in emu.dataplane_requests() if e["path"] == path)


def assert_no_token_in(emu, *results):
    text = "\n".join(r.stdout + r.stderr for r in results)
    tokens = emu.issued_tokens()
    assert tokens
    for token in tokens:
        assert token not in text and token.split(".")[2] not in text


def access_token(emu, http, host, *scopes):
    """The token flow by hand: an AAD token exchanged for a refresh token, then an access token for scopes."""
    aad = emu.token("https://containerregistry.azure.net")
    refresh = http.post("https://{}/oauth2/exchange".format(host), data={
        "grant_type": "access_token", "service": "demopremium.azurecr.io", "access_token": aad})
    token = http.post("https://{}/oauth2/token".format(host), data={
        "grant_type": "refresh_token", "service": "demopremium.azurecr.io", "scope": list(scopes),
        "refresh_token": refresh.json()["refresh_token"]})
    return token.json()["access_token"]


# --- the token flow ------------------------------------------------------------------------------------------------
def test_tokens_are_fetched_once_per_endpoint_and_reused(az, emu):
    """One challenge, exchange and token per endpoint for two images; one Accept naming every manifest type. Every
    region HEADs each tag; the home region also reads what each image is, once (its manifest, its referrers, cosign's
    tags); the image has no other part, so that is all, whichever region answers first."""
    emu.replicated("demopremium", "eastus", "japaneast")
    digests = [emu.push("demopremium", "hello", tag)["digest"] for tag in ("v1", "v2")]
    emu.clear_log()
    az("acr replication status {} --image hello:v1 hello:v2".format(REG))
    log = emu.dataplane_requests()
    sign_in = [("GET", "/v2/"), ("POST", "/oauth2/exchange"), ("POST", "/oauth2/token")]
    other = sign_in + [("HEAD", "/v2/hello/manifests/v1"), ("HEAD", "/v2/hello/manifests/v2")]
    home = other + [("GET", "/v2/hello/manifests/" + d) for d in digests] + [
        ("GET", "/v2/hello/referrers/" + d) for d in digests] + [
        ("HEAD", "/v2/hello/manifests/{}.{}".format(d.replace(":", "-"), suffix))
        for d in digests for suffix in ("sig", "att", "sbom")]
    for host, expected in (("westus", home), ("eastus", other), ("japaneast", other)):
        calls = sorted((e["method"], e["path"]) for e in log if ".{}.".format(host) in e["host"])
        assert calls == sorted(expected), (host, calls)
    accepts = {e["accept"] for e in log if e["method"] == "HEAD"}
    assert len(accepts) == 1
    accept = accepts.pop()
    assert all(t in accept for t in (
        "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json"))


def test_one_token_request_per_endpoint_covers_every_repository(az, emu):
    emu.replicated("demopremium", "eastus")
    names = ["app{}".format(i) for i in range(6)]
    for name in names:
        emu.push("demopremium", name, "v1")
    az("acr replication status {} --repository {}".format(REG, " ".join(names)))
    assert per_host(emu, "/oauth2/token") == {"westus": 1, "eastus": 1}
    emu.clear_log()
    az("acr replication status {} --image {}".format(REG, " ".join(n + ":v1" for n in names)))
    assert per_host(emu, "/oauth2/token") == {"westus": 1, "eastus": 1}
    # each region HEADs each tag; the home region reads each image's manifest, referrers and cosign tags (5 more)
    requests_made = len(emu.dataplane_requests())
    assert requests_made == 2 * 3 + len(names) * (1 + 5 + 1), requests_made
    emu.clear_log()
    az("acr replication status {} --image {} --referrers none".format(REG, " ".join(n + ":v1" for n in names)))
    requests_made = len(emu.dataplane_requests())
    # GET /v2/, exchange, token, then a HEAD per image, and at home a GET of what each is
    assert requests_made == 2 * 3 + len(names) * (1 + 1 + 1), requests_made


def test_a_token_service_that_reads_one_scope_is_asked_one_scope_at_a_time(az, emu):
    emu.replicated("demopremium")
    emu.knobs(token_multi_scope=False)
    for name in ("a", "b", "c"):
        emu.push("demopremium", name, "v1")
    result = az("acr replication status {} --image a:v1 b:v1 c:v1".format(REG))
    assert result.json["complete"] is True
    assert per_host(emu, "/oauth2/token") == {"westus": 3}  # asked for 3, granted 1; then b and c alone


@pytest.mark.slow
def test_a_long_wait_outlives_every_token(az, emu):
    """A 10-minute --wait with lifetimes of seconds (so the test stays short): the AAD token (4 s), ACR
    refresh tokens (3 s) and access tokens (2 s) all expire several times before the image arrives (renewal on a
    fake clock: tests of the endpoint's tokens, e.g. test_tokens_are_renewed_as_they_expire_without_a_401)."""
    emu.replicated("demopremium", "eastus")
    emu.knobs(token_lifetime=4, acr_refresh_token_lifetime=3, acr_access_token_lifetime=2)
    emu.push("demopremium", "hello", "v1", lag_seconds={"eastus": 10})
    emu.clear_log()
    result = az("acr replication status {} --image hello:v1 --wait --timeout 600 --debug".format(REG))
    assert result.json["complete"] is True and by_region(result.json)["eastus"]["arrivedAfterSeconds"] >= 6
    exchanges = token_calls(emu, "/oauth2/exchange", "eastus")
    assert len(exchanges) >= 3 and exchanges[-1]["status"] == 200  # refresh tokens expired: exchanged again
    assert len(token_calls(emu, "/oauth2/token", "eastus")) >= 4  # and access tokens fetched again
    aad = [t for t in emu.issued_tokens() if jwt_claims(t).get("aud") == "https://containerregistry.azure.net"]
    assert len(aad) >= 3  # az asked its identity for a new AAD token for the registry as each one expired
    assert_no_token_in(emu, result)


# --- the token service refusing or throttling -----------------------------------------------------------------------
@pytest.mark.parametrize("status, path, says", [
    (401, "/oauth2/exchange", "az login"),
    (403, "/oauth2/token", "AcrPull"),
])
def test_token_service_refusals_say_what_to_do(az, emu, status, path, says):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "hello", "v1")
    emu.fault(status=status, method="POST", path=path, host="eastus", times=10)
    result = az("acr replication status {} --image hello:v1".format(REG), expect=1)
    assert says in result.stderr and "Traceback" not in result.stderr
    assert "error in eastus" in errors(result)[0]


def test_throttled_token_requests_are_retried_with_and_without_retry_after(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "hello", "v1")
    emu.fault(status=429, method="POST", path="/oauth2/exchange", host="eastus", times=2)
    emu.fault(status=429, method="POST", path="/oauth2/token", host="westus", times=1, retry_after=2)
    result = az("acr replication status {} --image hello:v1 --debug".format(REG))
    assert result.json["complete"] is True and "429" not in "".join(
        line for line in result.stderr.splitlines() if line.startswith(("WARNING", "ERROR")))
    exchanges = token_calls(emu, "/oauth2/exchange", "eastus")
    assert [e["status"] for e in exchanges] == [429, 429, 200]
    assert exchanges[2]["start"] - exchanges[1]["start"] >= 0.9  # backed off, not at once
    tokens = token_calls(emu, "/oauth2/token", "westus")
    assert [e["status"] for e in tokens] == [429, 200] and tokens[1]["start"] - tokens[0]["start"] >= 1.9
    assert_no_token_in(emu, result)


@pytest.mark.slow
def test_a_throttled_exchange_with_a_longer_retry_after_is_waited_out_without_wait(az, emu):
    """A CI gate without --wait: one 429 with a Retry-After above what the endpoint's pipeline sleeps through
    itself (RETRY_AFTER_CAP, 10 s) is handed to the watch and waited out within the 30 s a region has to answer,
    not reported as an error (on a fast clock: test_without_wait_a_throttled_answer_is_asked_again_after_retry_
    after_within_the_answer_bound)."""
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "hello", "v1")
    emu.fault(status=429, method="POST", path="/oauth2/exchange", host="eastus", times=1, retry_after=11)
    result = az("acr replication status {} --image hello:v1".format(REG))
    assert result.json["complete"] is True and "429" not in result.stderr
    exchanges = token_calls(emu, "/oauth2/exchange", "eastus")
    assert [e["status"] for e in exchanges] == [429, 200] and exchanges[1]["start"] - exchanges[0]["start"] >= 10.5


@pytest.mark.slow
def test_a_rate_limited_token_service_is_waited_out(az, emu):
    emu.replicated("demopremium", "eastus", "japaneast")
    emu.push("demopremium", "hello", "v1")
    emu.knobs(token_requests_per_second=1, token_burst=2)
    result = az("acr replication status {} --image hello:v1".format(REG))
    assert result.json["complete"] is True
    statuses = [e["status"] for e in emu.dataplane_requests() if e["path"].startswith("/oauth2/")]
    assert statuses.count(429) >= 2 and statuses.count(200) == 6  # 3 endpoints x (exchange + token)


@pytest.mark.slow
def test_no_token_in_debug_output_of_a_refused_or_throttled_sign_in(az, emu):
    """Also the smoke test of the token requests' bounded retries in real time (6 retries backing off to 4 s)."""
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "hello", "v1")
    emu.fault(status=401, method="POST", path="/oauth2/exchange", host="eastus", times=4)
    emu.fault(status=429, method="POST", path="/oauth2/token", host="westus", times=20)
    started = time.monotonic()
    result = az("acr replication status {} --image hello:v1 --debug".format(REG), expect=1)
    assert time.monotonic() - started < 40  # the retries are bounded
    assert "az login" in result.stderr and "throttling token requests" in result.stderr
    assert_no_token_in(emu, result)


# --- other retries ------------------------------------------------------------------------------------------------
def test_throttling_with_retry_after_is_honoured(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "hello", "v1")
    emu.fault(status=429, method="HEAD", path="/manifests/", host="eastus", retry_after=2, times=1)
    assert az("acr replication status {} --image hello:v1".format(REG)).json["complete"] is True
    heads = [e["start"] for e in emu.dataplane_requests() if e["method"] == "HEAD" and "eastus" in e["host"]]
    assert len(heads) == 2 and heads[1] - heads[0] >= 1.9


def test_503_and_a_dropped_connection_are_retried(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "hello", "v1")
    emu.fault(status=503, method="HEAD", path="/manifests/", host="eastus", times=1)
    emu.fault(status=0, method="HEAD", path="/manifests/", host="westus", times=1)
    assert az("acr replication status {} --image hello:v1".format(REG)).json["complete"] is True


def test_throttled_listings_wait_as_retry_after_says(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.seed("demopremium", 3, 2)
    emu.fault(status=429, method="GET", path="/acr/v1/_catalog", host="eastus", times=1, retry_after=2)
    emu.fault(status=429, method="GET", path="/acr/v1/repo1/_tags", host="westus", times=2, retry_after=1)
    result = az("acr replication status {} --all-repositories".format(REG))
    assert result.json["complete"] is True
    catalog = listings(emu, "_catalog", "eastus")
    assert [e["status"] for e in catalog] == [429, 200] and catalog[1]["start"] - catalog[0]["start"] >= 1.9
    tags = [e for e in listings(emu, host="westus") if "repo1" in e["path"]]
    assert [e["status"] for e in tags] == [429, 429, 200] and tags[2]["start"] - tags[0]["start"] >= 1.9


# --- permissions and the roles they need ---------------------------------------------------------------------------
@pytest.mark.parametrize("grants", [{"demopremium": []}, {"demopremium/hello": ["metadata_read", "push"]}],
                         ids=["no-role-on-the-registry", "repository-without-pull"])
def test_identity_without_pull_is_told_which_role_it_needs(az, emu, grants):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "hello", "v1")
    emu.knobs(grants=grants)
    result = az("acr replication status {} --image hello:v1 --debug".format(REG), expect=1)
    assert az("account show --query user.name -o tsv").stdout.strip() == CLIENT_ID
    assert DENIED in shown(result)
    assert "answered HEAD manifest with 401" not in result.stderr and "Traceback" not in shown(result)
    tokens = token_calls(emu, "/oauth2/token")
    assert tokens and all(e["status"] == 200 for e in tokens)  # the token service said yes, with no pull
    assert_no_token_in(emu, result)


def test_missing_pull_permission_ends_a_wait_at_once(az, emu):
    """Terminal under --wait: waiting does not give the identity a role, so the command does not wait for it."""
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "hello", "v1")
    emu.knobs(grants={"demopremium": []})
    started = time.monotonic()
    result = az("acr replication status {} --image hello:v1 --wait --timeout 120".format(REG), expect=1)
    assert time.monotonic() - started < 20  # not the 120 s timeout
    assert DENIED in shown(result) and "waiting will not change that" in shown(result)
    assert {r["state"] for r in by_region(result.json).values()} == {"error"}


def test_pull_on_one_repository_only_is_enough_for_it(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "hello", "v1")
    emu.push("demopremium", "other", "v1")
    emu.knobs(grants={"demopremium": [], "demopremium/other": ["pull"]})
    result = az("acr replication status {} --image other:v1 hello:v1".format(REG), expect=1)
    assert DENIED in result.stderr and "may not pull other" not in result.stderr
    assert "other:v1" not in result.stderr  # present everywhere: no warning about it


@pytest.mark.parametrize("mode, role", [
    ("LegacyRegistryPermissions", "needs AcrPull on the registry"),
    ("AbacRepositoryPermissions", "needs 'Container Registry Repository Catalog Lister' on the registry (the registry "
                                  "uses ABAC repository permissions, where AcrPull is not honoured)")])
def test_no_catalog_permission_is_one_line_naming_the_role(az, emu, mode, role):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "v1")
    emu.set_registry("demopremium", role_assignment_mode=mode)
    emu.knobs(grants={"demopremium": ["pull", "metadata_read"]})
    result = az("acr replication status {} --all-repositories".format(REG), expect=1)
    assert errors(result) == ["ERROR: {} may not list the repositories of demopremium: {}".format(CLIENT_ID, role)]
    assert "Traceback" not in result.stderr
    assert not listings(emu, "_catalog")  # refused from the token's claim, before asking


@pytest.mark.parametrize("mode, role", [
    ("LegacyRegistryPermissions", "needs AcrPull on the registry"),
    ("AbacRepositoryPermissions", "needs 'Container Registry Repository Reader' on the registry or the repository")])
def test_no_permission_on_tags_is_one_line_naming_the_role(az, emu, mode, role):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "v1")
    emu.set_registry("demopremium", role_assignment_mode=mode)
    emu.knobs(grants={"demopremium": ["pull", "catalog"]})  # pull is not enough for tags
    result = az("acr replication status {} --repository app --wait --timeout 60".format(REG), expect=1)
    assert result.seconds < 30  # waiting would not change it
    line = "{} may not read the tags of app in demopremium: {}".format(CLIENT_ID, role)
    assert len(errors(result)) == 1 and line in errors(result)[0]
    assert "waiting will not change that" in errors(result)[0]


def test_all_repositories_wait_ends_at_once_when_a_repository_may_not_be_read(az, emu):
    """ABAC registries scope Repository Reader to repositories (the documented use of ABAC conditions). With the
    catalog readable and one repository not, --all-repositories --wait can never match: it ends at once saying
    waiting will not change that (as --repository --wait and --image --wait do for a missing permission), rather
    than waiting out --timeout and then saying 'Timed out'."""
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "v1")
    emu.push("demopremium", "secret", "v1")
    emu.set_registry("demopremium", role_assignment_mode="AbacRepositoryPermissions")
    emu.knobs(grants={"demopremium": ["catalog"], "demopremium/app": ["pull", "metadata_read"]})
    result = az("acr replication status {} --all-repositories --wait --timeout 40".format(REG), expect=1)
    assert result.seconds < 25, result
    assert result.json["timedOut"] is False
    assert "waiting will not change that" in errors(result)[0]
    assert "may not read the tags of secret" in errors(result)[0]


def test_the_emulator_refuses_a_listing_the_token_does_not_cover(az, emu):
    """The registry side: a pull token is fine for the manifest (status --image), and a listing with it gets 401
    with a challenge naming the scope it lacks."""
    emu.replicated("demopremium")
    emu.push("demopremium", "app", "v1")
    emu.knobs(grants={"demopremium": ["pull", "catalog"]})
    az("acr replication status {} --image app:v1".format(REG))
    http = registry_session(emu)
    token = access_token(emu, http, "demopremium.westus.geo.azurecr.io", "repository:app:pull")
    answer = http.get("https://demopremium.westus.geo.azurecr.io/acr/v1/app/_tags",
                      headers={"Authorization": "Bearer " + token})
    assert answer.status_code == 401
    assert 'scope="repository:app:metadata_read",error="insufficient_scope"' in answer.headers["WWW-Authenticate"]


# --- listings: pages, and tags that change while they are read (--repository and --all-repositories) --------------
def test_listings_follow_link_on_the_same_host_through_short_pages(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.knobs(listing_page_max=4, listing_short_pages=True)
    for tag in range(9):
        emu.push("demopremium", "team/api", "t{}".format(tag))
    for name in ("a", "b", "c", "d", "e"):
        emu.push("demopremium", name, "v1")
    result = az("acr replication status {} --repository team/api".format(REG)).json
    assert len(repo(result, "team/api")["tags"]) == 9 and result["complete"] is True
    pages = listings(emu, host="eastus")
    assert len(pages) == 5  # 2 a page (half of the 4 the server allows): Link followed, short pages or not
    assert pages[0]["query"] == "n=1000" and all(p["host"] == "demopremium.eastus.geo.azurecr.io" for p in pages)
    assert pages[1]["query"] == "last=t1&n=1000&orderby="
    emu.clear_log()
    result = az("acr replication status {} --all-repositories".format(REG)).json
    assert result["complete"] is True and result["repositoriesAtHome"] == 6 and result["tagsAtHome"] == 14
    assert per_host(emu, "/acr/v1/_catalog") == {"westus": 3, "eastus": 3}  # 6 repositories, 2 a page


@pytest.mark.parametrize("option", ["--repository app", "--all-repositories"])
def test_tags_pushed_while_the_command_reads_are_set_aside_and_never_judged_a_yes(az, emu, option):
    """westus is held 5 s while the other regions answer; a tag pushed meanwhile reaches westus's answer but
    not the others': judged, it would be missing there; set aside, the command says it changed while reading, and
    as it did not judge it, the answer is not a yes (exit 1)."""
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "v1")
    emu.fault(status=200, method="GET", path="/acr/v1/app/_tags", host="westus", delay=5)
    emu.clear_log()
    proc = az.start("acr replication status {} {}".format(REG, option))
    deadline = time.monotonic() + 30
    while not [e for e in listings(emu, host="eastus") if "app" in e["path"] and e["status"] == 200]:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    # the command began before eastus answered, and judges what was pushed up to a second after it began (the
    # registry's Date is whole seconds): 1.5 s after eastus's answer, a push is surely after that
    time.sleep(1.5)
    emu.push("demopremium", "app", "new", lag_seconds={"eastus": 600})
    out, err = proc.communicate(timeout=60)
    result = json.loads(out)
    assert proc.returncode == 1, err
    assert result["complete"] is False
    if option == "--repository app":
        assert repo(result, "app")["changedWhileReading"] == ["new"] and repo(result, "app")["missing"] == []
        assert repo(result, "app")["inEveryRegion"] is False
        assert "app: new pushed or moved while the command read it, not judged" in err
    else:
        assert region(result, "eastus")["changedWhileReading"] == 1 and region(result, "eastus")["state"] == "same"
        assert "eastus: 1 tags pushed or moved while the command read them, not judged" in err


# --- no token in any output ----------------------------------------------------------------------------------------
def test_no_token_of_any_kind_in_debug_output(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "hello", "v1")
    result = az("acr replication status {} --image hello:v1 --debug".format(REG))
    text = result.stdout + result.stderr
    assert "/oauth2/exchange" in text  # the calls are logged ...
    tokens = emu.issued_tokens()
    assert len(tokens) >= 3  # AAD, refresh and access tokens were handed out
    for token in tokens:
        assert token not in text and token.split(".")[2] not in text  # ... their tokens are not


def test_no_token_shows_in_any_output(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.seed("demopremium", 2, 2)
    results = [az("acr replication status {} --all-repositories --debug".format(REG)),
               az("acr replication status {} --repository repo0 --debug".format(REG))]
    text = "\n".join(r.stdout + r.stderr for r in results)
    for token in emu.issued_tokens():
        assert token not in text and token.split(".")[2] not in text


# --- every manifest type --------------------------------------------------------------------------------------------
def test_every_manifest_type_is_found(az, emu):
    emu.replicated("demopremium", "eastus")
    types = {"oci": OCI_MANIFEST, "docker": DOCKER_MANIFEST, "index": OCI_INDEX, "list": DOCKER_LIST,
             "sbom": OCI_ARTIFACT}
    pushed = {tag: emu.push("demopremium", "hello", tag, media_type=media_type) for tag, media_type in types.items()}
    result = az("acr replication status {} --image {}".format(REG, " ".join("hello:" + t for t in types))).json
    assert result["complete"] is True
    assert [i["digests"] for i in result["images"]] == [[pushed[t]["digest"]] for t in types]


def test_digests_without_the_docker_content_digest_header(az, emu):
    emu.replicated("demopremium", "eastus")
    pushed = emu.push("demopremium", "hello", "v1")
    index = emu.push("demopremium", "hello", "multi", media_type=OCI_INDEX)
    emu.knobs(omit_digest_header=True)
    result = az("acr replication status {} --image hello:v1 hello@{} hello:multi".format(
        REG, pushed["digest"])).json
    assert result["complete"] is True
    assert [i["digests"] for i in result["images"]] == [[pushed["digest"]], [pushed["digest"]], [index["digest"]]]


# --- TLS: azure-cli's settings apply to the registry endpoints as to ARM ---------------------------------------------
def test_tls_inspecting_proxy_with_verification_disabled_works(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "hello", "v1")
    emu.knobs(tls_inspection=True)
    az.env["AZURE_CLI_DISABLE_CONNECTION_VERIFICATION"] = "1"
    result = az("acr replication status {} --image hello:v1".format(REG))
    assert result.json["complete"] is True
    assert "Connection verification disabled by environment variable AZURE_CLI_DISABLE_CONNECTION_VERIFICATION" \
        in result.stderr


def test_tls_inspecting_proxy_without_it_fails_with_azure_clis_advice(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "hello", "v1")
    emu.knobs(tls_inspection=True)
    result = az("acr replication status {} --image hello:v1 --debug".format(REG), expect=1)
    assert "unreachable in westus, eastus" in result.stderr
    assert "Certificate verification failed" in shown(result) and "trusted CA bundle" in shown(result)
    assert "Traceback" not in shown(result)
    assert_no_token_in(emu, result)


def test_a_ca_bundle_that_trusts_the_proxy_is_used(az, emu, tmp_path):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "hello", "v1")
    emu.knobs(tls_inspection=True)
    bundle = tmp_path / "bundle.pem"
    bundle.write_text(open(emu.cert_path).read() + open(emu.foreign_ca_path).read())
    az.env["REQUESTS_CA_BUNDLE"] = str(bundle)
    assert az("acr replication status {} --image hello:v1".format(REG)).json["complete"] is True


# --- host names: domain name label hashes, sovereign clouds -----------------------------------------------------------
def test_registry_with_a_domain_name_label_hash(az, emu):
    label = "dnlpremium-e6cxh7aqdzhqa5cj"
    emu.add_registry("demo-rg", "dnlpremium", "Premium", "westus", dnl_hash="e6cxh7aqdzhqa5cj")
    emu.replicated("dnlpremium", "eastus")
    pushed = emu.push("dnlpremium", "hello", "v1")
    result = az("acr replication status -r {0}.azurecr.io --image {0}.azurecr.io/hello:v1".format(label)).json
    assert result["complete"] is True and result["images"][0]["digests"] == [pushed["digest"]]
    assert {r["endpoint"] for r in result["images"][0]["regions"]} == {
        label + ".westus.geo.azurecr.io", label + ".eastus.geo.azurecr.io"}
    assert {e["host"] for e in emu.dataplane_requests()} == {
        label + ".westus.geo.azurecr.io", label + ".eastus.geo.azurecr.io"}


@pytest.mark.parametrize("suffix", ["azurecr.cn", "azurecr.us"])
def test_sovereign_cloud_login_server_suffix(az, emu, suffix):
    emu.knobs(acr_login_server_suffix=suffix)
    login(lambda args, env: az(args), emu, az.env, cloud_name="AcrEmulatorSovereign")
    assert az("cloud show --query suffixes.acrLoginServerEndpoint -o tsv").stdout.strip() == "." + suffix
    emu.replicated("demopremium", "eastus")
    pushed = emu.push("demopremium", "hello", "v1")
    result = az("acr replication status -r demopremium.{0} --image demopremium.{0}/hello:v1".format(suffix)).json
    assert result["complete"] is True and result["images"][0]["digests"] == [pushed["digest"]]
    assert {r["endpoint"] for r in result["images"][0]["regions"]} == {
        "demopremium.westus.geo." + suffix, "demopremium.eastus.geo." + suffix}
    assert az("acr replication list -r demopremium.{} --query length(@)".format(suffix)).json == 2
