"""What tests share besides fixtures (tests/conftest.py): talking to the emulator's ARM directly, real SDK models for
unit tests, and reading what az printed. One place; no test file imports another."""
import base64
import datetime
import http.client
import json
import ssl
import threading
import time
import types
import urllib.parse
from urllib.parse import parse_qs, quote, unquote, urlsplit

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


REGISTRY_PATH = registry_path()  # the ARM path of the seeded demopremium


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
        token = emu.token()
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


# --- what a command did: ARM's answers, its own warnings, enum reprs in its output -----------------------------------
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


# --- unit tests: fake clocks, SDK clients and data-plane endpoints ---------------------------------------------------
# What the unit tests under tests/arm, replicas, images, fleet and routing share: no az, no emulator, no HTTP.

NOW = datetime.datetime(2026, 12, 2, 10, 0, 0, tzinfo=datetime.timezone.utc)  # the routing tests' now
DIGEST = "sha256:" + "a" * 64
OTHER_DIGEST = "sha256:" + "b" * 64


class FakeClock:
    """A clock a test moves by hand: clock() is the time, clock.sleep(s) records the pause and moves time on at once.
    Pass clock and clock.sleep wherever the code takes them (Deadline, PollSchedule, ReadBudget, EndpointClient)."""

    def __init__(self, now=0.0):
        self.now = now
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


class VirtualTime:
    """Deterministic time for code that runs threads (the status watch): virtual seconds pass only when every thread
    taking part waits, and then jump to the earliest moment one of them waits for. A wait "of 12 s" takes no real
    time, and a busy machine changes no result: what a thread does between two waits happens at one virtual moment.

    The threads take part through `threading`, a stand-in for the module (Thread, Event, Lock, RLock,
    BoundedSemaphore) whose blocking calls go through this scheduler: put it in the module under test
    (monkeypatch.setattr(watch, "threading", virtual.threading)). The thread that makes the VirtualTime is taking
    part too. As the watch's clock: now() and pause(event, seconds) -> True when the event was set. close() releases
    every thread still waiting (at the end of a test)."""

    WATCHDOG = 30.0  # real seconds with every thread waiting and nothing to wake: a deadlock in the test

    class _Waiter:  # pylint: disable=too-few-public-methods
        def __init__(self, ready, wake_at):
            self.ready, self.wake_at, self.go = ready, wake_at, False

    def __init__(self, start=0.0):
        self._now = start
        self._cond = threading.Condition()
        self._active = 1  # the thread that made it
        self._waiters = []
        self._closed = False
        self.threading = self._module()

    # --- the watch's clock ---
    def now(self):
        return self._now

    def pause(self, event, seconds):
        with self._cond:
            return self.block(event.is_set, self._now + max(0.0, seconds))

    def close(self):
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    # --- the scheduler (every method below is called with self._cond held) ---
    def block(self, ready, wake_at=None):
        """Wait until ready() (True) or virtual time reaches wake_at (False)."""
        if ready():
            return True
        if self._closed:
            return self._wait_closed(ready, wake_at)
        waiter = self._Waiter(ready, wake_at)
        self._waiters.append(waiter)
        try:
            while True:
                self._active -= 1
                self._advance()
                since = time.monotonic()
                while not waiter.go and not self._closed:
                    if not self._cond.wait(1.0) and time.monotonic() - since > self.WATCHDOG:
                        raise RuntimeError("virtual time: every thread waits and nothing will wake one")
                if self._closed:
                    return self._wait_closed(ready, wake_at)
                if ready():  # whoever set go counted this thread as running again
                    return True
                if wake_at is not None and self._now >= wake_at:
                    return False
                waiter.go = False  # another thread took what this one waited for (a lock): wait again
        finally:
            self._waiters.remove(waiter)

    def _wait_closed(self, ready, wake_at):
        while not ready() and wake_at is None:
            self._cond.wait(0.1)
        return ready()

    def changed(self):
        """Something a thread may wait for changed (an event set, a lock released, a thread ended): wake whoever
        can go on, counting them as running before this thread can wait."""
        woken = [w for w in self._waiters if not w.go and w.ready()]
        for waiter in woken:
            waiter.go = True
            self._active += 1
        if woken:
            self._cond.notify_all()
        return bool(woken)

    def _advance(self):
        if self._active > 0 or self.changed():
            return
        timed = [w for w in self._waiters if not w.go and w.wake_at is not None]
        if not timed:
            return  # every thread waits for another: the watchdog says so
        self._now = max(self._now, min(w.wake_at for w in timed))
        for waiter in timed:
            if waiter.wake_at <= self._now:
                waiter.go = True
                self._active += 1
        self._cond.notify_all()

    def _module(self):
        sim, real = self, threading

        class Thread(real.Thread):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self._sim_started = self._sim_done = False

            def start(self):
                with sim._cond:
                    sim._active += 1
                    self._sim_started = True
                super().start()

            def run(self):
                try:
                    super().run()
                finally:
                    with sim._cond:
                        self._sim_done = True
                        sim._active -= 1
                        sim.changed()
                        sim._advance()

            def join(self, timeout=None):
                with sim._cond:
                    sim.block(lambda: self._sim_done, None if timeout is None else sim._now + timeout)

            def is_alive(self):
                return self._sim_started and not self._sim_done

        class Event:
            def __init__(self):
                self._flag = False

            def is_set(self):
                return self._flag

            def set(self):
                with sim._cond:
                    self._flag = True
                    sim.changed()

            def clear(self):
                self._flag = False

            def wait(self, timeout=None):
                with sim._cond:
                    return sim.block(self.is_set, None if timeout is None else sim._now + timeout)

        class Semaphore:
            def __init__(self, value=1):
                self._value = value

            def acquire(self, blocking=True, timeout=-1):  # pylint: disable=unused-argument
                with sim._cond:
                    sim.block(lambda: self._value > 0)
                    self._value -= 1
                    return True

            def release(self):
                with sim._cond:
                    self._value += 1
                    sim.changed()

            def __enter__(self):
                return self.acquire()

            def __exit__(self, *_):
                self.release()

        class RLock(Semaphore):
            def __init__(self):
                super().__init__()
                self._owner, self._count = None, 0

            def acquire(self, blocking=True, timeout=-1):
                me = real.get_ident()
                with sim._cond:
                    sim.block(lambda: self._owner in (None, me))
                    self._owner, self._count = me, self._count + 1
                    return True

            def release(self):
                with sim._cond:
                    self._count -= 1
                    if not self._count:
                        self._owner = None
                        sim.changed()

        return types.SimpleNamespace(Thread=Thread, Event=Event, Lock=Semaphore, RLock=RLock,
                                     BoundedSemaphore=Semaphore, Semaphore=Semaphore, get_ident=real.get_ident)


# --- the SDK's replications client, scripted ---
def http_error(status, message="boom", lro=False):
    """An SDK error as azure-core makes it from an ARM body: 'Code: text' gives error.error its code and text; lro:
    an operation that ended Failed (azure-core's OperationFailed as the cause)."""
    from azure.core.exceptions import HttpResponseError
    from azure.core.polling.base_polling import OperationFailed
    error = HttpResponseError(message=message)
    error.status_code = status
    if ": " in message:
        code, _, text = message.partition(": ")
        error.error = types.SimpleNamespace(code=code, message=text)
    if lro:
        error.__cause__ = OperationFailed("Operation failed or canceled")
    return error


class FakePoller:
    """A finished LRO: result() returns what it was given, or raises it."""

    def __init__(self, result):
        self._result = result

    def done(self):
        return True

    def status(self):
        return "Succeeded"

    def result(self):
        if isinstance(self._result, Exception):
            raise self._result
        return self._result


class FakeReplications:
    """client.replications as the Executor uses it. begin_create answers from `script`: ("refuse", error) raises at
    once, anything else is the poller's result (an exception raises from result()). get answers from `gets` (an
    exception raises). calls: ("PUT" | "DELETE" | "GET", name) in order."""

    def __init__(self, script, gets=None):
        self.script = list(script)
        self.gets = list(gets or [])
        self.calls = []

    def begin_create(self, group, registry, name, body, polling=None):  # pylint: disable=unused-argument
        self.calls.append(("PUT", name))
        step = self.script.pop(0)
        if isinstance(step, tuple) and step[0] == "refuse":
            raise step[1]
        return FakePoller(step)

    def begin_delete(self, group, registry, name, polling=None):  # pylint: disable=unused-argument
        self.calls.append(("DELETE", name))
        return FakePoller(None)

    def get(self, group, registry, name):  # pylint: disable=unused-argument
        self.calls.append(("GET", name))
        step = self.gets.pop(0)
        if isinstance(step, Exception):
            raise step
        return step


# --- a registry's data plane, as EndpointClient meets it ---
def jwt(**claims):
    """An unsigned JWT carrying claims (exp, access, ...), as ACR's tokens are read."""
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return part({"alg": "HS256"}) + "." + part(claims) + ".c2lnbmF0dXJl"


class FakeResponse:
    def __init__(self, status, headers=None, body=None, content=b"", reason=""):
        self.status_code, self.headers, self._body, self.content, self.reason = \
            status, headers or {}, body, content, reason

    def json(self):
        return self._body


class FakeAcr:
    """A registry's endpoint behind EndpointClient's pipeline (send_request), on `clock`: the token flow (a
    challenge on /v2/, POST /oauth2/exchange for a refresh token, POST /oauth2/token for an access token, both JWTs
    with exp), manifests (path -> digest, or (digest, body)) answered to a valid access token, and the listings
    (/acr/v1/_catalog, /acr/v1/<repository>/_tags) of `repositories` (name -> [tags]) in pages of `page`, linked by
    Link while more follow.

    granted: the (name, action) pairs the token service grants, None for every one asked; multi_scope: False for a
    service that grants only the first scope of a request; short: pages shorter than asked for; absolute_links: a
    Link to another replica's host; digest_header: False to leave Docker-Content-Digest out; script: path ->
    responses to give first. Records calls (method, path), sent (method, host, path, query) and token_scopes."""

    def __init__(self, manifests=None, repositories=None, clock=None, refresh_life=3600, access_life=3600,
                 granted=None, multi_scope=True, page=2, short=False, absolute_links=False):
        self.manifests = {path: found if isinstance(found, tuple) else (found, b"")
                          for path, found in (manifests or {}).items()}
        self.repositories = repositories or {}
        self.clock = clock or FakeClock(1000.0)  # give the client the same clock (endpoint_client does)
        self.refresh_life, self.access_life = refresh_life, access_life
        self.granted, self.multi_scope = granted, multi_scope
        self.page, self.short, self.absolute_links = page, short, absolute_links
        self.digest_header = True
        self.calls, self.sent, self.token_scopes, self.script = [], [], [], {}

    def send_request(self, request, **_):
        from azext_acr_replication.images.endpoint import jwt_claims
        parts = urlsplit(request.url)
        self.calls.append((request.method, parts.path))
        self.sent.append((request.method, parts.netloc, parts.path, parts.query))
        if self.script.get(parts.path):
            return self.script[parts.path].pop(0)
        now = self.clock()
        if parts.path == "/v2/":
            return FakeResponse(401, {"WWW-Authenticate": 'Bearer realm="https://%s/oauth2/token",'
                                                          'service="myreg.azurecr.io"' % parts.netloc})
        if parts.path == "/oauth2/exchange":
            return FakeResponse(200, body={"refresh_token": jwt(exp=now + self.refresh_life)})
        if parts.path == "/oauth2/token":
            return FakeResponse(200, body={"access_token": jwt(exp=now + self.access_life,
                                                               access=self._grant(request.data["scope"]))})
        token = request.headers.get("Authorization", "")[len("Bearer "):]
        if not token or jwt_claims(token).get("exp", 0) < now:
            return FakeResponse(401, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        if parts.path.startswith("/v2/"):
            found = self.manifests.get(parts.path)
            if not found:
                return FakeResponse(404)
            return FakeResponse(200, {"Docker-Content-Digest": found[0]} if self.digest_header else {},
                                content=found[1])
        return self._listing(parts)

    def _grant(self, scopes):
        self.token_scopes.append(list(scopes))
        access = []
        for scope in scopes if self.multi_scope else scopes[:1]:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            allowed = [a for a in actions.split(",") if self.granted is None or (name, a) in self.granted]
            access.append({"type": kind, "name": name, "actions": allowed})
        return access

    def _listing(self, parts):
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/acr/v1/_catalog":
            return self._page(sorted(self.repositories), query, parts.path, "repositories")
        repository = unquote(parts.path)[len("/acr/v1/"):-len("/_tags")]
        if repository not in self.repositories:
            return FakeResponse(404, body={"errors": [{"code": "NAME_UNKNOWN"}]})
        items = [{"name": t, "digest": "sha256:" + t, "lastUpdateTime": "2021-04-14T23:15:13.8163645Z"}
                 for t in sorted(self.repositories[repository])]
        return self._page(items, query, "/acr/v1/%s/_tags" % quote(repository, safe=""), "tags")

    def _page(self, items, query, path, key):
        names = [i if isinstance(i, str) else i["name"] for i in items]
        after = [i for i, n in zip(items, names) if "last" not in query or n > query["last"]]
        count = min(int(query.get("n", 100)), self.page)
        count = max(1, count // 2) if self.short else count
        page = after[:count]
        headers = {"Date": "Wed, 14 Apr 2021 23:15:13 GMT"}
        if len(after) > count:
            last = page[-1] if isinstance(page[-1], str) else page[-1]["name"]
            target = "%s?last=%s&n=%s&orderby=" % (path, quote(last, safe=""), query.get("n"))
            if self.absolute_links:
                target = "https://myreg.eastus.geo.azurecr.io" + target
            headers["Link"] = '<%s>; rel="next"' % target
        return FakeResponse(200, headers, {key: page})


# --- what the region poller and the catalog read see of regions and listings ---
def targets(*regions):
    """One replica per region, Succeeded, with its regional endpoint (snapshot.Target)."""
    from azext_acr_replication.images.snapshot import Target
    return [Target(r, r, "Succeeded", "myreg.%s.geo.azurecr.io" % r) for r in regions]


def plain_snapshot(found):
    """What RegionPoller needs of a Snapshot when nothing is read from ARM again: its targets (reads None)."""
    return types.SimpleNamespace(targets=list(found), reads=None)


def virtual_time(monkeypatch, *modules):
    """A VirtualTime whose threads are those of `modules` (their `threading` replaced): close() it at the end."""
    virtual = VirtualTime()
    for module in modules:
        monkeypatch.setattr(module, "threading", virtual.threading)
    return virtual


def virtual_deadline(virtual, seconds=None):
    """The command's Deadline on a VirtualTime: its clock, and its pauses taking part in virtual time."""
    from azext_acr_replication.arm.deadline import Deadline
    return Deadline(seconds, clock=virtual.now, waiter=virtual.pause)


def fake_probe(images, answer, home=None):
    """An ArtifactProbe (the judgements of `status --image`: skew, stuck, nowhere, its report and verdict) whose
    check is answer(target, image) -> the tag's digest in that region, or None (raise DataPlaneError for no
    answer): the tag alone, no parts. images: 'repo:tag' texts or ImageRefs."""
    from azext_acr_replication.images.artifacts import ArtifactProbe
    from azext_acr_replication.images.poller import MISSING, PRESENT, Observation
    from azext_acr_replication.images.refs import parse_image

    class DigestProbe(ArtifactProbe):
        def check(self, target, item):
            digest = answer(target, item)
            return Observation(PRESENT, digest=digest) if digest else Observation(MISSING)
    return DigestProbe([parse_image(i) if isinstance(i, str) else i for i in images], None, home)


def poll(virtual, found, images, answer, seconds=None, snapshot=None, **options):
    """(RegionPoller, board): fake_probe(images, answer) asked of the targets `found` (or of snapshot's), run on
    virtual time (a VirtualTime whose threads are images.poller's) with a Deadline of `seconds`."""
    from azext_acr_replication.images.poller import RegionPoller
    poller = RegionPoller(snapshot or plain_snapshot(found), fake_probe(images, answer),
                          virtual_deadline(virtual, seconds), **options)
    return poller, poller.run()


def tags(read_at=None, **entries):
    """One repository's listing in one region: tags(v1=("sha256:a", 10.0), ...) (listing.Tags)."""
    from azext_acr_replication.images.listing import Tags
    return Tags(dict(entries), read_at)


class Gauge:
    """How many things are in flight at once, at most (peak)."""

    def __init__(self):
        self.lock, self.now, self.peak = threading.Lock(), set(), 0

    def enter(self, name):
        with self.lock:
            self.now.add(name)
            self.peak = max(self.peak, len(self.now))

    def leave(self, name):
        with self.lock:
            self.now.discard(name)


class FakeEndpoint:
    """What the catalog read (catalog.Scan) uses of an EndpointClient: catalog() pages, tags(), want()/forget() of
    scopes. repositories: name -> {tag: (digest, time)}; fail_catalog: (from which name on, the error to raise);
    fail_tags: repository -> the error to raise; gauge: counts tag listings in flight."""

    def __init__(self, repositories, page=3, fail_catalog=None, fail_tags=None, gauge=None):
        self.repositories, self.page = repositories, page
        self.fail_catalog, self.fail_tags = fail_catalog, fail_tags or {}
        self.gauge = gauge
        self.wanted, self.forgotten = [], []

    def want(self, scopes):
        self.wanted.extend(scopes)

    def forget(self, scopes):
        self.forgotten.extend(scopes)

    def catalog(self):
        names = sorted(self.repositories)
        for start in range(0, max(1, len(names)), self.page):
            if self.fail_catalog is not None and start >= self.fail_catalog[0]:
                raise self.fail_catalog[1]
            yield names[start:start + self.page], 1000.0

    def tags(self, repository):
        from azext_acr_replication.images.listing import Tags
        if repository in self.fail_tags:
            raise self.fail_tags[repository]
        if self.gauge:
            self.gauge.enter(repository)
        try:
            time.sleep(0.001)
            found = self.repositories.get(repository)
            return None if found is None else Tags(dict(found), 1000.0)
        finally:
            if self.gauge:
                self.gauge.leave(repository)


def endpoint_client(acr, role_mode=None, aad_calls=None, aad_life=30, host="myreg.westus.geo.azurecr.io"):
    """An EndpointClient for identity ci-app and registry myreg over a FakeAcr, on the FakeAcr's clock; each AAD
    token acquired (recorded in aad_calls) lives aad_life seconds."""
    from azext_acr_replication.images.endpoint import AadToken, EndpointClient
    clock = acr.clock
    aad_calls = [] if aad_calls is None else aad_calls

    def acquire():
        aad_calls.append(clock())
        return "AAD-%d" % len(aad_calls), "tenant", clock() + aad_life
    return EndpointClient(host, AadToken(acquire, clock=clock), pipeline=acr, identity="ci-app", registry="myreg",
                          role_mode=role_mode, clock=clock, sleep=clock.sleep)


# --- the emulator's ARM, straight: replicas PUT and their operations followed ----------------------------------------
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


def deprecated_options(arguments):
    """The option names one command marks deprecated."""
    return {option for argument in arguments.values() for option in argument["deprecated"]}


# --- drains, set up without az ------------------------------------------------------------------------------------
def drain_tags(reason, by=CLIENT_ID, at=None):
    """The drain record (azext_acr_replication/routing/record.py) as `az acr replication drain` leaves it: why, when
    (ISO 8601 UTC to the second; a minute ago unless at, an aware datetime, is given) and who (the az login identity,
    the emulator's service principal)."""
    at = at or datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
    return {"acr-replication.drain-reason": reason,
            "acr-replication.drain-at": at.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "acr-replication.drain-by": by}


def drained(emu, location, reason, *others, registry="demopremium"):
    """A replica in location drained already (routing off, the drain record on it) and Ready replicas in others,
    with regional endpoints on: what `drain --skip-probe` leaves, set up through the emulator."""
    emu.add_replicas(registry, location, routing=False, tags=drain_tags(reason))
    emu.replicated(registry, *others)


# --- deadlines and sync -------------------------------------------------------------------------------------------
SLACK = 6  # seconds: az start-up, exit and a loaded machine, beyond a deadline


def spent(stderr):
    """(N, T) of 'Timed out after N s (--timeout T)'."""
    import re
    found = re.search(r"Timed out after (\d+) s \(--timeout (\d+)\)", stderr)
    assert found, stderr
    return int(found.group(1)), int(found.group(2))


def states(az, registry=REG):
    """name -> (provisioningState, displayStatus) of every replica, as `list` shows them."""
    return {r["name"]: (r["provisioningState"], (r.get("status") or {}).get("displayStatus"))
            for r in az("acr replication list {}".format(registry)).json}


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
