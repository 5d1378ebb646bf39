"""The registry data plane as the real service behaves (issue 19, items 9-13), through the real az and the
emulator made as strict as ACR: a token service that grants fewer actions than asked, throttles and lets
tokens expire; every manifest type and the Accept rule; a TLS-inspecting proxy; domain-name-label and
sovereign-cloud host names. No token of any kind may show in the output of any of these paths."""
import time

import pytest

from azext_acr_replication.images.endpoint import jwt_claims
from emulator.harness import login
from emulator.state import CLIENT_ID
from emulator.state.images import DOCKER_LIST, DOCKER_MANIFEST, OCI_ARTIFACT, OCI_INDEX, OCI_MANIFEST
from tests.armclient import call, registry_path

REG = "-r demopremium"
DENIED = ("{} may not pull hello in demopremium: needs AcrPull, or 'Container Registry Repository Reader' on "
          "registries with ABAC repository permissions").format(CLIENT_ID)


def enable_regional_endpoints(az, reg="demopremium"):
    body = {"properties": {"regionalEndpoints": "Enabled"}}
    assert call(az.running, "PATCH", registry_path(reg=reg), body).status == 200


def replicas(az, emu, *regions, registry="demopremium"):
    emu.knobs(operation_seconds=0)
    if regions:
        az("acr replication create -r {} -l {}".format(registry, " ".join(regions)))
    enable_regional_endpoints(az, registry)


def by_region(result, image=0):
    return {r["region"]: r for r in result["images"][image]["regions"]}


def shown(result):
    """What a user sees on stderr: without the --debug lines (where azure-cli logs every error's traceback)."""
    return "\n".join(line for line in result.stderr.splitlines() if not line.startswith(("DEBUG:", "INFO:")))


def token_calls(emu, path, host=""):
    return [e for e in emu.dataplane_requests() if e["path"] == path and host in e["host"]]


def assert_no_token_in(emu, *results):
    text = "\n".join(r.stdout + r.stderr for r in results)
    tokens = emu.emulator.tokens.issued
    assert tokens
    for token in tokens:
        assert token not in text and token.split(".")[2] not in text


# --- 9. missing pull permission -----------------------------------------------------------------------------
@pytest.mark.parametrize("grants", [{"demopremium": []}, {"demopremium/hello": ["metadata_read", "push"]}],
                         ids=["no-role-on-the-registry", "repository-without-pull"])
def test_identity_without_pull_is_told_which_role_it_needs(az, emu, grants):
    replicas(az, emu, "eastus")
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
    replicas(az, emu, "eastus")
    emu.push("demopremium", "hello", "v1")
    emu.knobs(grants={"demopremium": []})
    started = time.monotonic()
    result = az("acr replication status {} --image hello:v1 --wait --timeout 120".format(REG), expect=1)
    assert time.monotonic() - started < 20  # not the 120 s timeout
    assert DENIED in shown(result) and "waiting will not change that" in shown(result)
    assert {r["state"] for r in by_region(result.json).values()} == {"error"}


def test_pull_on_one_repository_only_is_enough_for_it(az, emu):
    replicas(az, emu, "eastus")
    emu.push("demopremium", "hello", "v1")
    emu.push("demopremium", "other", "v1")
    emu.knobs(grants={"demopremium": [], "demopremium/other": ["pull"]})
    result = az("acr replication status {} --image other:v1 hello:v1".format(REG), expect=1)
    assert DENIED in result.stderr and "may not pull other" not in result.stderr
    assert "other:v1" not in result.stderr  # present everywhere: no warning about it


# --- 10. throttled token requests, tokens that expire during a long wait ------------------------------------
def test_throttled_token_requests_are_retried_with_and_without_retry_after(az, emu):
    replicas(az, emu, "eastus")
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


def test_a_throttled_exchange_with_a_longer_retry_after_is_waited_out_without_wait(az, emu):
    """A CI gate without --wait: one 429 with Retry-After 15 s (above what the pipeline sleeps through itself)
    is waited out within the 30 s a region has to answer, not reported as an error."""
    replicas(az, emu, "eastus")
    emu.push("demopremium", "hello", "v1")
    emu.fault(status=429, method="POST", path="/oauth2/exchange", host="eastus", times=1, retry_after=15)
    result = az("acr replication status {} --image hello:v1".format(REG))
    assert result.json["complete"] is True and "429" not in result.stderr
    exchanges = token_calls(emu, "/oauth2/exchange", "eastus")
    assert [e["status"] for e in exchanges] == [429, 200] and exchanges[1]["start"] - exchanges[0]["start"] >= 14.5


def test_a_rate_limited_token_service_is_waited_out(az, emu):
    replicas(az, emu, "eastus", "japaneast")
    emu.push("demopremium", "hello", "v1")
    emu.knobs(token_requests_per_second=1, token_burst=2)
    result = az("acr replication status {} --image hello:v1".format(REG))
    assert result.json["complete"] is True
    statuses = [e["status"] for e in emu.dataplane_requests() if e["path"].startswith("/oauth2/")]
    assert statuses.count(429) >= 2 and statuses.count(200) == 6  # 3 endpoints x (exchange + token)


def test_a_long_wait_outlives_every_token(az, emu):
    """A 10-minute --wait with lifetimes of seconds (so the test stays short): the AAD token (4 s), ACR
    refresh tokens (3 s) and access tokens (2 s) all expire several times before the image arrives."""
    replicas(az, emu, "eastus")
    emu.knobs(token_lifetime=4, acr_refresh_token_lifetime=3, acr_access_token_lifetime=2)
    emu.push("demopremium", "hello", "v1", lag_seconds={"eastus": 14})
    emu.emulator.clear_log()
    result = az("acr replication status {} --image hello:v1 --wait --timeout 600 --debug".format(REG))
    assert result.json["complete"] is True and by_region(result.json)["eastus"]["arrivedAfterSeconds"] >= 8
    exchanges = token_calls(emu, "/oauth2/exchange", "eastus")
    assert len(exchanges) >= 3 and exchanges[-1]["status"] == 200  # refresh tokens expired: exchanged again
    assert len(token_calls(emu, "/oauth2/token", "eastus")) >= 4  # and access tokens fetched again
    aad = [t for t in emu.emulator.tokens.issued if jwt_claims(t).get("aud") == "https://containerregistry.azure.net"]
    assert len(aad) >= 3  # az asked its identity for a new AAD token for the registry as each one expired
    assert_no_token_in(emu, result)


# --- 11. every manifest type --------------------------------------------------------------------------------
def test_every_manifest_type_is_found(az, emu):
    replicas(az, emu, "eastus")
    types = {"oci": OCI_MANIFEST, "docker": DOCKER_MANIFEST, "index": OCI_INDEX, "list": DOCKER_LIST,
             "sbom": OCI_ARTIFACT}
    pushed = {tag: emu.push("demopremium", "hello", tag, media_type=media_type) for tag, media_type in types.items()}
    result = az("acr replication status {} --image {}".format(REG, " ".join("hello:" + t for t in types))).json
    assert result["complete"] is True
    assert [i["digests"] for i in result["images"]] == [[pushed[t]["digest"]] for t in types]


def test_digests_without_the_docker_content_digest_header(az, emu):
    replicas(az, emu, "eastus")
    pushed = emu.push("demopremium", "hello", "v1")
    index = emu.push("demopremium", "hello", "multi", media_type=OCI_INDEX)
    emu.knobs(omit_digest_header=True)
    result = az("acr replication status {} --image hello:v1 hello@{} hello:multi".format(
        REG, pushed["digest"])).json
    assert result["complete"] is True
    assert [i["digests"] for i in result["images"]] == [[pushed["digest"]], [pushed["digest"]], [index["digest"]]]


# --- 12. TLS: azure-cli's settings apply to the registry endpoints as to ARM ---------------------------------
def test_tls_inspecting_proxy_with_verification_disabled_works(az, emu):
    replicas(az, emu, "eastus")
    emu.push("demopremium", "hello", "v1")
    emu.knobs(tls_inspection=True)
    az.env["AZURE_CLI_DISABLE_CONNECTION_VERIFICATION"] = "1"
    result = az("acr replication status {} --image hello:v1".format(REG))
    assert result.json["complete"] is True
    assert "Connection verification disabled by environment variable AZURE_CLI_DISABLE_CONNECTION_VERIFICATION" \
        in result.stderr


def test_tls_inspecting_proxy_without_it_fails_with_azure_clis_advice(az, emu):
    replicas(az, emu, "eastus")
    emu.push("demopremium", "hello", "v1")
    emu.knobs(tls_inspection=True)
    result = az("acr replication status {} --image hello:v1 --debug".format(REG), expect=1)
    assert "unreachable in westus, eastus" in result.stderr
    assert "Certificate verification failed" in shown(result) and "trusted CA bundle" in shown(result)
    assert "Traceback" not in shown(result)
    assert_no_token_in(emu, result)


def test_a_ca_bundle_that_trusts_the_proxy_is_used(az, emu, tmp_path):
    replicas(az, emu, "eastus")
    emu.push("demopremium", "hello", "v1")
    emu.knobs(tls_inspection=True)
    bundle = tmp_path / "bundle.pem"
    bundle.write_text(open(emu.cert_path).read() + open(emu.foreign_ca_path).read())
    az.env["REQUESTS_CA_BUNDLE"] = str(bundle)
    assert az("acr replication status {} --image hello:v1".format(REG)).json["complete"] is True


# --- 13. host names: domain name label hashes, sovereign clouds ---------------------------------------------
def test_registry_with_a_domain_name_label_hash(az, emu):
    label = "dnlpremium-e6cxh7aqdzhqa5cj"
    emu.emulator.state.add_registry("demo-rg", "dnlpremium", "Premium", "westus", dnl_hash="e6cxh7aqdzhqa5cj")
    replicas(az, emu, "eastus", registry="dnlpremium")
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
    replicas(az, emu, "eastus")
    pushed = emu.push("demopremium", "hello", "v1")
    result = az("acr replication status -r demopremium.{0} --image demopremium.{0}/hello:v1".format(suffix)).json
    assert result["complete"] is True and result["images"][0]["digests"] == [pushed["digest"]]
    assert {r["endpoint"] for r in result["images"][0]["regions"]} == {
        "demopremium.westus.geo." + suffix, "demopremium.eastus.geo." + suffix}
    assert az("acr replication list -r demopremium.{} --query length(@)".format(suffix)).json == 2


def test_no_token_in_debug_output_of_a_refused_or_throttled_sign_in(az, emu):
    replicas(az, emu, "eastus")
    emu.push("demopremium", "hello", "v1")
    emu.fault(status=401, method="POST", path="/oauth2/exchange", host="eastus", times=4)
    emu.fault(status=429, method="POST", path="/oauth2/token", host="westus", times=20)
    started = time.monotonic()
    result = az("acr replication status {} --image hello:v1 --debug".format(REG), expect=1)
    assert time.monotonic() - started < 40  # the retries are bounded
    assert "az login" in result.stderr and "throttling token requests" in result.stderr
    assert_no_token_in(emu, result)
