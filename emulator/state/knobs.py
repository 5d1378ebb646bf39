"""Knobs and injected faults, set per run by tests and the benchmark."""
import random
import re
import threading


DEFAULT_KNOBS = {
    "operation_seconds": 1.0,    # how long a PUT/PATCH/DELETE runs before it ends
    "sync_seconds": 0.0,         # how long a new replica stays Syncing after it is Succeeded
    "latency_ms": 0,             # added to every request
    "retry_after": None,         # seconds to send as Retry-After on LRO answers; None like Azure
    "page_size": 100,            # replications per list page
    "resources_page_size": 1000,  # resources per page of the subscription resources list
    "fail_regions": [],          # operations in these regions end Failed
    "stuck_regions": [],         # replicas here never leave Syncing
    "token_lifetime": 3600,       # AAD (identity endpoint) tokens, seconds
    # ARM's read throttling (issue 20): a token bucket per subscription (and one for tenant-level reads), as
    # ARM's current model: every answer to a read carries x-ms-ratelimit-remaining-subscription-global-reads (the
    # recordings: 16499 after one read), and an empty bucket answers 429 SubscriptionRequestsThrottled with
    # Retry-After; the refill is the global limit's (15 x a region's 25 a second)
    "arm_read_bucket": 16500,        # reads at once (the bucket's size)
    "arm_read_refill_per_second": 375,  # reads the bucket gains back each second
    # quirks of the real service (issue 13); all off by default
    "synchronous_writes": False,     # PUT/PATCH answer 200 at once when operation_seconds is 0 (rare in Azure)
    "recreate_failure_seconds": 0,   # a create within this many seconds after a delete of that replica ends Failed
    "transient_failures": {},        # {region: n}: the next n operations there end Failed (InternalServerError)
    "list_lag_seconds": 0,           # list shows the replicas as they were this many seconds ago (GET is current)
    "registry_conflicts": False,     # a write while another operation on the registry runs answers 409
    # answers the spec allows that the recordings do not show (issue 23); all off by default
    "synchronous_tag_patch": False,  # a PATCH of tags only answers 200 at once (the spec's 200; ARM-FACTS)
    "synchronous_put_existing": False,  # a PUT of an existing Succeeded replica answers 200 at once (the spec's 200)
    "canceled_regions": [],          # operations in these regions end Canceled (provisioningState Canceled)
    "provisioning_display_status": False,  # displayStatus 'Provisioning' while Creating or Updating (spec examples)
    "delete_status_url": "operationResults",  # or "operationStatuses": DELETE's Location as the spec example has it,
                                     # .../replications/{name}/operationStatuses/..., answering 200 {"status":
                                     # "Deleting"} until done (the recordings: /locations/{loc}/operationResults/...)
    "resources_lag_seconds": 0,      # the resources query shows each registry's SKU as it was this long ago
    # the registry data plane (issue 10)
    "replication_lag_seconds": 0,    # how long a push takes to reach a replica (per push: lag_seconds)
    "down_endpoints": [],            # data-plane host names whose tunnel the proxy refuses (502)
    "acr_token_lifetime": None,      # when set: both ACR token lifetimes below at once
    # the registry data plane as the real service behaves (issue 19)
    "acr_refresh_token_lifetime": 11700,  # seconds, as ACR's refresh tokens (exp - iat recorded)
    "acr_access_token_lifetime": 4500,    # seconds, as ACR's access tokens
    "grants": {},                    # {"registry" or "registry/repository": [actions]}: what the signed-in
                                     # identity may do there (the most specific entry wins; elsewhere every
                                     # action); /oauth2/token grants only those, and answers 200 all the same
    "token_requests_per_second": None,  # per registry, /oauth2/exchange and /oauth2/token together: a token
    "token_burst": 5,                # bucket of this size refilled at this rate; beyond it 429 TOOMANYREQUESTS
    "token_retry_after": None,       # Retry-After on those 429s (None: no header, as none was ever seen from ACR)
    "omit_digest_header": False,     # manifest answers without Docker-Content-Digest
    "acr_login_server_suffix": "azurecr.io",  # the cloud's: registries' host names and /metadata/endpoints
    "tls_inspection": False,         # the proxy presents a certificate from a foreign CA (a TLS-inspecting proxy)
    # listings (issue 17): /acr/v1/_catalog and /acr/v1/{repository}/_tags, paged with n, last and Link
    "listing_page_size": 100,        # items per page when the client gives no n (ACR documents no default)
    "listing_page_max": 1000,        # the most items a page holds whatever n asks (ACR documents no maximum)
    "listing_short_pages": False,    # pages hold about half of what n asks, and Link still says there is more
    "token_multi_scope": True,       # False: /oauth2/token grants only the first of several scope fields
    # api-versions (issue 23): what the service stops serving, and which versions have regional endpoints
    # the whole artifact (issue 25): referrers, blobs
    "no_referrers_api": [],          # regions that answer the referrers API 404 (a registry without it)
    "referrers_page_size": 50,       # descriptors per page of the referrers API (more follow through Link)
    "blob_answer": 307,              # a held blob answers HEAD/GET 307 to storage (the recorded GET), or 200
    "retired_api_versions": [],      # refused with 400 NoRegisteredProviderFound, left out of the versions it lists;
                                     # "2026-09-01-preview" for every type, "registries=2026-09-01-preview" for one
    "regional_endpoint_versions": [],  # versions whose registry has regionalEndpoints besides the previews known to
    # per-region data-plane health (issue 26): applied to <registry>.<region>.geo.azurecr.io, the regional endpoints
    "degraded_regions": {},          # {region: {"latency_ms": 3000, "error_rate": 0.5, "status": 503}}: every request
                                     # there waits latency_ms, and a share error_rate of them answers status (503 by
                                     # default; 429 with Retry-After: 1; 0 drops the connection: a reset), chosen by a
                                     # generator seeded with the region's name (the same requests fail on every run)
    "down_regions": [],              # regions whose regional endpoints refuse connections (the proxy answers CONNECT
                                     # with 502, as a proxy does when the host refuses; open tunnels are cut)
    "concurrent_patches": 0,         # n >= 2: the next n PATCHes of replications wait for each other (at most 30 s)
                                     # before any is applied, so n writers that each read first really race (two
                                     # drains at once); counted from when the knob is set
}

# every action the token service knows; "catalog" stands for registry:catalog:*
ALL_ACTIONS = ("pull", "push", "delete", "metadata_read", "metadata_write", "catalog")


class Fault:
    """Answer `times` matching requests (after letting `skip` through) with `status`, or drop the
    connection when status is 0; with `delay`, first hold the request that many seconds (status 200
    then means: answer normally, only late)."""

    def __init__(self, status, method="*", path="", times=1, skip=0, retry_after=None, code=None, message=None,
                 delay=0, host=""):
        self.delay = float(delay)
        self.host = re.compile(host)
        self.status = int(status)
        self.method = method.upper()
        self.path = re.compile(path)
        self.times = int(times)
        self.skip = int(skip)
        self.retry_after = retry_after
        self.code = code
        self.message = message

    def take(self, method, path, host=""):
        if self.times <= 0 or (self.method != "*" and self.method != method):
            return False
        if not self.path.search(path) or not self.host.search(host or ""):
            return False
        if self.skip > 0:
            self.skip -= 1
            return False
        self.times -= 1
        return True


_DEFAULT_CODES = {
    401: ("InvalidAuthenticationToken", "The access token is invalid."),
    403: ("AuthorizationFailed", "The client does not have authorization to perform this action."),
    429: ("TooManyRequests", "The request is being throttled. Please retry after some time."),
    500: ("InternalServerError", "An internal error occurred."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable."),
}


def error_for(fault):
    code, message = _DEFAULT_CODES.get(fault.status, ("Error", "Injected error."))
    return fault.code or code, fault.message or message


class TokenBuckets:
    """Rate limits per key (a registry's token service): `burst` requests at once, refilled at `rate` per second."""

    def __init__(self):
        self._lock = threading.Lock()
        self._buckets = {}  # key -> (tokens left, when counted)

    def take(self, key, rate, burst, now):
        """True when a request may go ahead (and counts it), False when it is over the limit."""
        return self.draw(key, rate, burst, now)[0]

    def draw(self, key, rate, burst, now):
        """(whether a request may go ahead (it is counted), tokens left, seconds until the next token)."""
        with self._lock:
            tokens, then = self._buckets.get(key, (float(burst), now))
            tokens = min(float(burst), tokens + max(0.0, now - then) * float(rate))
            allowed = tokens >= 1
            tokens = tokens - 1 if allowed else tokens
            self._buckets[key] = (tokens, now)
            wait = 0.0 if tokens >= 1 else ((1 - tokens) / float(rate) if rate else float("inf"))
            return allowed, tokens, wait

    def reset(self):
        with self._lock:
            self._buckets = {}


class Controls:
    """Knobs plus the fault queue and rate limits, shared by the request threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self.knobs = dict(DEFAULT_KNOBS)
        self.faults = []
        self.buckets = TokenBuckets()
        self._failures = {}  # region -> its seeded generator (degraded_regions)
        self._patches = None  # [barrier, slots left] while concurrent_patches holds PATCHes

    def set(self, **knobs):
        unknown = set(knobs) - set(DEFAULT_KNOBS)
        if unknown:
            raise ValueError("unknown knobs: {}".format(", ".join(sorted(unknown))))
        with self._lock:
            self.knobs.update(knobs)
            if "degraded_regions" in knobs:
                self._failures = {}
            if "concurrent_patches" in knobs:
                self._patches = None

    def reset(self):
        with self._lock:
            self.knobs = dict(DEFAULT_KNOBS)
            self.faults = []
            self._failures = {}
            self._patches = None
        self.buckets.reset()

    # --- per-region data-plane health -------------------------------------------------------------------
    @staticmethod
    def region_of(host):
        """The region of a regional endpoint (<registry>.<region>.geo.<suffix>), None for any other host."""
        labels = (host or "").lower().split(".")
        return labels[1] if len(labels) >= 4 and labels[2] == "geo" else None

    def is_down(self, host):
        return self.region_of(host) in (self.knobs["down_regions"] or [])

    def degradation(self, host):
        """(seconds to wait, None or the status to answer: 0 drops the connection) for one request to host."""
        region = self.region_of(host)
        settings = (self.knobs["degraded_regions"] or {}).get(region) if region else None
        if not settings:
            return 0.0, None
        with self._lock:
            generator = self._failures.setdefault(region, random.Random("degraded:" + region))
            fails = generator.random() < float(settings.get("error_rate", 0))
        return float(settings.get("latency_ms", 0)) / 1000.0, (int(settings.get("status", 503)) if fails else None)

    # --- racing writers -----------------------------------------------------------------------------------
    def hold_patch(self):
        """concurrent_patches: hold this replication PATCH until as many as the knob says have arrived (or 30 s)."""
        with self._lock:
            if self._patches is None:
                count = int(self.knobs["concurrent_patches"] or 0)
                if count < 2:
                    return
                self._patches = [threading.Barrier(count, timeout=30), count, False]
            group = self._patches
            if group[2]:
                return  # this group is complete: later PATCHes go ahead
            group[1] -= 1
            if group[1] == 0:
                group[2] = True
        try:
            group[0].wait()
        except threading.BrokenBarrierError:
            pass  # fewer came within 30 s: go ahead

    def acr_token_lifetime(self, kind):
        """Seconds an ACR token of kind 'refresh' or 'access' lives."""
        both = self.knobs["acr_token_lifetime"]
        return float(both if both is not None else self.knobs["acr_{}_token_lifetime".format(kind)])

    def allowed_actions(self, registry, repository=None):
        """What the signed-in identity may do on registry (or one of its repositories), per the grants knob."""
        grants = {key.lower(): actions for key, actions in (self.knobs["grants"] or {}).items()}
        for key in (["{}/{}".format(registry, repository)] if repository else []) + [registry]:
            if key.lower() in grants:
                return set(grants[key.lower()])
        return set(ALL_ACTIONS)

    def add_fault(self, **spec):
        with self._lock:
            self.faults.append(Fault(**spec))

    def match_fault(self, method, path, host=""):
        with self._lock:
            for fault in self.faults:
                if fault.take(method, path, host):
                    return fault
        return None

    def __getitem__(self, name):
        return self.knobs[name]
