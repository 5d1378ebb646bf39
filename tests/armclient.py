"""A bare HTTPS client for talking to the emulator directly in tests (no az, no SDK)."""
import http.client
import json
import ssl
import urllib.parse

from emulator.state import CLIENT_ID
from emulator.state import SUBSCRIPTION_ID

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
