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


# --- status (tests/commands/test_status*.py) -----------------------------------------------------------------------
def by_region(result, image=0):
    """status --image's answer for one image: region -> its row (state, digest, arrivedAfterSeconds, ...)."""
    return {r["region"]: r for r in result["images"][image]["regions"]}


def repo(result, name):
    """status --repository's answer for one repository."""
    return next(r for r in result["repositories"] if r["repository"] == name)


def region(result, name):
    """One region's row of status --all-repositories (or of a repository in status --repository)."""
    return next(r for r in result["regions"] if r["region"] == name)


def listings(emu, kind="_tags", host=""):
    """The data-plane listing requests (tags, or kind="_catalog") the emulator saw, of hosts containing host."""
    return [e for e in emu.dataplane_requests() if e["path"].endswith(kind) and host in e["host"]]


def overlap(entries):
    """The most requests of entries in flight at one moment (from the emulator's log: start, seconds)."""
    edges = sorted([(e["start"], 1) for e in entries] + [(e["start"] + e["seconds"], -1) for e in entries])
    now = peak = 0
    for _, step in edges:
        now += step
        peak = max(peak, now)
    return peak
