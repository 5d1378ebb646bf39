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


# --- sync ---------------------------------------------------------------------------------------------------------
def write_file(tmp_path, text, name="desired.yaml"):
    """A desired-state file for `sync --file` (text, or bytes written as they are); its path."""
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return str(path)


def fleet_writes(emu):
    """(registry, method, last path segment) of every ARM write the emulator saw, sorted."""
    return sorted((e["path"].split("/registries/")[1].split("/")[0], e["method"], e["path"].rsplit("/", 1)[-1])
                  for e in emu.writes())


def listed_replicas(az, registry, subscription=SUBSCRIPTION_ID):
    """name -> replica as `az acr replication list` prints it."""
    listed = az("acr replication list -r {} --subscription {}".format(registry, subscription)).json
    return {r["name"]: r for r in listed}


def interrupt(proc, ready, seconds=30):
    """Wait until ready() (at most `seconds`), then Ctrl-C the az process; (stderr, seconds from the signal to the
    end of the process). Fails when the process is still running 60 s after the signal."""
    import signal
    import subprocess
    import time
    deadline = time.monotonic() + seconds
    while not ready() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ready(), "the command never reached the phase to interrupt"
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    try:
        _, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError("the command went on for 60 s after Ctrl-C") from None
    return stderr, time.monotonic() - sent
