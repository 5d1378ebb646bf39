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


# --- commands (part C1) -------------------------------------------------------------------------------------------
def statuses(emu, method, fragment):
    """The status of every ARM request with this method whose path contains fragment, in the order ARM saw them."""
    return [e["status"] for e in emu.requests() if e["method"] == method and fragment in e["path"]]


def own_warnings(result):
    """The WARNING lines az wrote besides azure-cli's note that an extension alters the built-in group."""
    return [line for line in warnings(result) if "altered by the following extension" not in line]


def enum_reprs(text):
    """Python enum reprs (ProvisioningState.FAILED, SkuName.STANDARD) in text: states must be spelled as ARM
    spells them (Failed, Standard)."""
    import re
    return re.findall(r"\b[A-Z][A-Za-z]+\.[A-Z][A-Z_]+\b", text)


def command_table(extension_dir, config_dir):
    """Every `az acr replication` command the az under test loads with this extension dir (empty: the built-in),
    with each argument's option names, choices and deprecated names (tests/tools/dump_command_args.py, run with
    the Python of that az)."""
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
    """option name -> (dest, choices) for every name on the command line (long and short) of one command."""
    found = {}
    for dest, argument in arguments.items():
        for option in argument["options"]:
            if not option.startswith("--__"):
                found[option] = (dest, argument["choices"])
    return found


def deprecated_options(arguments):
    """The option names one command marks deprecated."""
    return {option for argument in arguments.values() for option in argument["deprecated"]}


class FakeClock:
    """time.monotonic and time.sleep for unit tests: sleeping moves `now` on at once, and is recorded."""

    def __init__(self, now=0.0):
        self.now = now
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds
