"""What tests share besides fixtures (tests/conftest.py): talking to the emulator's ARM directly, real SDK models for
unit tests, and reading what az printed. One place; no test file imports another."""
import http.client
import json
import ssl
import urllib.parse

from azure.mgmt.containerregistry.models import Registry, Replication

from emulator.state import CLIENT_ID, SUBSCRIPTION_ID

REG = "-r demopremium"  # the seeded Premium registry (home westus) most tests use


# --- what az printed ----------------------------------------------------------------------------------------------
def errors(result):
    """The ERROR lines az wrote on stderr."""
    return [line for line in result.stderr.splitlines() if line.startswith("ERROR")]


def warnings(result):
    return [line for line in result.stderr.splitlines() if line.startswith("WARNING")]


def writes(emu):
    """(method, last path segment) of every ARM write the emulator saw."""
    return [(e["method"], e["path"].rsplit("/", 1)[-1]) for e in emu.writes()]


# --- ARM, directly (no az, no SDK) --------------------------------------------------------------------------------
BASE = "/subscriptions/{}/resourceGroups/{{rg}}/providers/Microsoft.ContainerRegistry/registries/{{reg}}".format(
    SUBSCRIPTION_ID)


def registry_path(rg="demo-rg", reg="demopremium"):
    return BASE.format(rg=rg, reg=reg)


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.raw = status, headers, body

    @property
    def json(self):
        return json.loads(self.raw) if self.raw else None


def default_api_version(path):
    """What azure-cli 2.91 sends on this route (the emulator refuses versions a route does not know)."""
    if "/providers/Microsoft.ContainerRegistry" in path:
        return "2026-09-01-preview"
    if "/providers/Microsoft.Authorization" in path:
        return "2025-11-01"
    return "2022-12-01"


def call(emu, method, path, body=None, token=True, headers=None, raw_body=None):
    """One HTTPS request to the emulator's ARM front, with a valid token unless token is False or given."""
    url = urllib.parse.urlsplit(emu.url)
    context = ssl.create_default_context(cafile=emu.cert_path)
    conn = http.client.HTTPSConnection(url.hostname, url.port, context=context, timeout=30)
    sent = dict(headers or {})
    if token is True:
        token = emu.emulator.tokens.issue(emu.url, CLIENT_ID)
    if token:
        sent["Authorization"] = "Bearer " + token
    data = raw_body
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    if "?" not in path and not path.startswith("http"):
        path += "?api-version=" + default_api_version(path)
    if path.startswith("http"):
        parts = urllib.parse.urlsplit(path)
        path = parts.path + ("?" + parts.query if parts.query else "")
    try:
        conn.request(method, path, body=data, headers=sent)
        resp = conn.getresponse()
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


# --- real SDK models, built from ARM JSON as the SDK builds them (fakes with strings hide the enums it returns) -----
RP = "/subscriptions/s/resourceGroups/{}/providers/Microsoft.ContainerRegistry/registries/{}"


def replication(name, location=None, state="Succeeded", display=None, tags=None, routing=True, zone="Disabled",
                registry="myreg", group="g"):
    properties = {"provisioningState": state, "regionEndpointEnabled": routing, "zoneRedundancy": zone}
    if display:
        properties["status"] = {"displayStatus": display, "timestamp": "2026-11-27T03:00:00Z"}
    return Replication({"id": RP.format(group, registry) + "/replications/" + name, "name": name,
                        "type": "Microsoft.ContainerRegistry/registries/replications",
                        "location": location or name, "tags": tags or {}, "properties": properties})


def registry(name, group, sku="Premium", location="westus"):
    return Registry({"id": RP.format(group, name), "name": name, "location": location,
                     "sku": {"name": sku, "tier": sku}, "properties": {"loginServer": name + ".azurecr.io"}})


# --- B: the emulator and the top-level tests ----------------------------------------------------------------------
def put_replica(emu, name, location, **properties):
    """PUT a replication straight to the emulator's ARM (no az): the answer."""
    body = {"location": location, "properties": properties}
    return call(emu, "PUT", registry_path() + "/replications/" + name, body)


def operation_end(emu, url, seconds=10):
    """Poll an Azure-AsyncOperation URL until it ends; its final status."""
    import time
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = call(emu, "GET", url).json["status"]
        if status in ("Succeeded", "Failed", "Canceled"):
            return status
        time.sleep(0.05)
    raise AssertionError("the operation did not end within {} s".format(seconds))


def lro_end(emu, answer, seconds=10):
    """The final status of the operation a write's answer points at (Azure-AsyncOperation)."""
    return operation_end(emu, answer.headers["azure-asyncoperation"], seconds)


# the registry data plane, straight (no az): through the emulator's proxy, as docker and az reach *.azurecr.io
MANIFEST_TYPES = ", ".join(["application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
                            "application/vnd.docker.distribution.manifest.list.v2+json",
                            "application/vnd.docker.distribution.manifest.v2+json"])
REGISTRY_AUDIENCE = "https://containerregistry.azure.net"


def registry_session(emu):
    """A requests session that reaches registry hosts through the emulator's proxy and trusts its CA only."""
    import requests
    http = requests.Session()
    http.trust_env = False
    http.proxies = {"https": emu.proxy_url}
    http.verify = emu.cert_path
    return http


def refresh_token(emu, http, host, service="demopremium.azurecr.io"):
    """ACR's refresh token for an AAD token of the registry audience (POST /oauth2/exchange)."""
    answer = http.post("https://{}/oauth2/exchange".format(host), data={
        "grant_type": "access_token", "service": service, "tenant": "t",
        "access_token": emu.token(REGISTRY_AUDIENCE)})
    assert answer.status_code == 200, answer.text
    return answer.json()["refresh_token"]


def registry_token(emu, http, host, *scopes, service="demopremium.azurecr.io"):
    """An ACR access token for the scopes (default: pull of hello), by the OAuth2 flow docker uses."""
    answer = http.post("https://{}/oauth2/token".format(host), data={
        "grant_type": "refresh_token", "service": service, "scope": list(scopes or ["repository:hello:pull"]),
        "refresh_token": refresh_token(emu, http, host, service)})
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def head_manifest(http, host, ref="hello:v1", token=None, accept=MANIFEST_TYPES):
    """HEAD /v2/<repository>/manifests/<tag or digest>, as `docker pull` asks first."""
    repository, _, reference = ref.partition("@") if "@" in ref else ref.partition(":")
    headers = {"Accept": accept}
    if token:
        headers["Authorization"] = "Bearer " + token
    return http.head("https://{}/v2/{}/manifests/{}".format(host, repository, reference), headers=headers)


# the command table of the az under test, as tests/tools/dump_command_args.py prints it
def command_table(extension_dir, config_dir):
    """{command: {dest: {options, choices, deprecated}}} of every `az acr replication` command of the az under test
    with the extensions of extension_dir (empty: the built-in's)."""
    import os
    import subprocess
    from tests.azcli import AZ, ROOT
    python = os.path.join(os.path.dirname(AZ), "python")
    env = {"PATH": os.environ.get("PATH", ""), "AZURE_EXTENSION_DIR": extension_dir,
           "AZURE_CONFIG_DIR": config_dir, "AZURE_CORE_COLLECT_TELEMETRY": "false",
           "HOME": os.environ.get("HOME", "/tmp")}
    out = subprocess.run([python, os.path.join(ROOT, "tests", "tools", "dump_command_args.py"), "acr replication"],
                         env=env, capture_output=True, text=True, timeout=300, cwd=os.path.dirname(config_dir))
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def options_of(arguments):
    """option name -> (dest, choices) for every name on the command line (long and short)."""
    found = {}
    for dest, argument in arguments.items():
        for option in argument["options"]:
            if not option.startswith("--__"):
                found[option] = (dest, argument["choices"])
    return found
