"""The registry data plane: <registry>.azurecr.io and <registry>.<region>.geo.azurecr.io as ACR answers
them (the OAuth2 challenge flow, the manifest API, and ACR's listings /acr/v1/_catalog and
/acr/v1/{repository}/_tags), inside a tunnel the proxy (proxy.py) opened.

As strict as the service: tokens expire (refresh and access tokens separately), the token service grants
only the actions the identity has (and still answers 200), is rate limited per registry, and a manifest is
served only to a client whose Accept list names its media type. The catalog needs `registry:catalog:*` and
tags `repository:<repo>:metadata_read` (pull is not enough): a token without them gets 401 UNAUTHORIZED with
a challenge naming the scope. Listings page with n and last, lexically, and a relative Link (the repository
percent-encoded, as ACR writes it) while more follow.
"""
import re
import time
import urllib.parse

from ..json_handler import JsonHandler
from ..state.arm import CLIENT_ID
from ..state.knobs import error_for
from ..state.tokens import grant

_REPO = r"(?P<repo>[a-z0-9]+(?:(?:[._]|__|-+|/)[a-z0-9]+)*)"  # the OCI distribution spec's name grammar
MANIFEST = re.compile(r"^/v2/" + _REPO + r"/manifests/(?P<ref>[^/]+)$")
REFERRERS = re.compile(r"^/v2/" + _REPO + r"/referrers/(?P<digest>[^/]+)$")
BLOB = re.compile(r"^/v2/" + _REPO + r"/blobs/(?P<digest>sha256:[a-f0-9]{64})$")
CATALOG = "/acr/v1/_catalog"
TAGS = re.compile(r"^/acr/v1/" + _REPO + r"/_tags$")
MANIFESTS = re.compile(r"^/acr/v1/" + _REPO + r"/_manifests$")
INDEX = "application/vnd.oci.image.index.v1+json"
ALWAYS_TRUE = {"deleteEnabled": True, "writeEnabled": True, "readEnabled": True, "listEnabled": True}


class RegistryHandler(JsonHandler):
    """One TLS tunnel's worth of registry requests for one host."""

    def __init__(self, request, client_address, server, host):
        self.host = host
        super().__init__(request, client_address, server)

    def _errors(self, status, code, message, detail=None, headers=None, head_only=False):
        error = {"code": code, "message": message}
        if detail is not None:
            error["detail"] = detail
        self._send(status, {"errors": [error]}, headers, head_only=head_only)

    def _handle(self, method):
        started = time.time()
        self._status = None
        parsed = urllib.parse.urlsplit(self.path)
        raw = self._body()
        try:
            self._serve(method, parsed.path, raw)
        except (BrokenPipeError, ConnectionResetError):
            self._status = 0
        self.emu.record({"method": method, "path": parsed.path, "query": parsed.query, "host": self.host,
                         "status": self._status, "start": started, "seconds": round(time.time() - started, 4),
                         "accept": self.headers.get("Accept")})

    def _serve(self, method, path, raw):
        latency = float(self.emu.controls["latency_ms"]) / 1000.0
        if latency:
            time.sleep(latency)
        if self.host in self.emu.controls["down_endpoints"] or self.emu.controls.is_down(self.host):
            return self._drop()  # went down while a tunnel was open
        wait, status = self.emu.controls.degradation(self.host)  # degraded_regions
        if wait:
            time.sleep(wait)
        if status == 0:
            return self._drop()
        if status is not None:
            # the distribution spec's error body; TOOMANYREQUESTS is the spec's code for a 429, UNAVAILABLE for the
            # 5xx is invented (no recording shows what a degraded ACR region answers)
            code = "TOOMANYREQUESTS" if status == 429 else "UNAVAILABLE"
            return self._errors(status, code, "the region is degraded (emulator knob degraded_regions)",
                                headers={"Retry-After": "1"} if status == 429 else None, head_only=method == "HEAD")
        fault = self._take_fault(method, path, self.host)
        if fault is not None:
            if fault.status == 0:
                return self._drop()
            code, message = error_for(fault)
            return self._errors(fault.status, code.upper(), message, headers=self._fault_headers(fault),
                                head_only=method == "HEAD")
        endpoint = self.emu.state.endpoint(self.host)
        if endpoint is None:
            return self._errors(404, "NOT_FOUND", "No registry is served at {}.".format(self.host))
        registry, region = endpoint
        if method == "POST" and path in ("/oauth2/exchange", "/oauth2/token") and not self._within_rate(registry):
            headers = {} if self.emu.controls["token_retry_after"] is None else {
                "Retry-After": str(self.emu.controls["token_retry_after"])}
            return self._errors(429, "TOOMANYREQUESTS", "too many requests", headers=headers)
        if method == "POST" and path == "/oauth2/exchange":
            return self._exchange(registry, urllib.parse.parse_qs(raw.decode()))
        if method == "POST" and path == "/oauth2/token":
            return self._token(registry, urllib.parse.parse_qs(raw.decode()))
        if method == "GET" and path.rstrip("/") == "/v2":
            if self._claims(registry) is None:
                return self._challenge(registry, None, head_only=False)
            return self._send(200, {})
        match = MANIFEST.match(path)
        if match and method in ("GET", "HEAD"):
            return self._manifest(registry, region, match.group("repo"), match.group("ref"), method == "HEAD")
        match = REFERRERS.match(urllib.parse.unquote(path))
        if match and method == "GET":
            return self._referrers(registry, region, match.group("repo"), match.group("digest"))
        match = BLOB.match(urllib.parse.unquote(path))
        if match and method in ("GET", "HEAD"):
            return self._blob(registry, region, match.group("repo"), match.group("digest"), method == "HEAD")
        listing = urllib.parse.unquote(path)
        if method == "GET" and listing == CATALOG:
            return self._catalog(registry, region)
        match = TAGS.match(listing)
        if match and method == "GET":
            return self._tags(registry, region, match.group("repo"))
        match = MANIFESTS.match(listing)
        if match and method == "GET":
            return self._manifests(registry, region, match.group("repo"))
        return self._errors(404, "NOT_FOUND", "The emulator does not serve {} {}.".format(method, path))

    # --- auth -----------------------------------------------------------------------------------------
    def _within_rate(self, registry):
        rate = self.emu.controls["token_requests_per_second"]
        if rate is None:
            return True
        return self.emu.controls.buckets.take(registry.name.lower(), rate, self.emu.controls["token_burst"],
                                              time.time())

    def _challenge(self, registry, repository, head_only, invalid=False):
        value = 'Bearer realm="https://{}/oauth2/token",service="{}"'.format(self.host, registry.login_server)
        if repository:
            value += ',scope="repository:{}:pull"'.format(repository)
        if invalid:
            value += ',error="invalid_token"'
        self._errors(401, "UNAUTHORIZED", "authentication required",
                     [{"Type": "repository", "Name": repository, "Action": "pull"}] if repository else None,
                     headers={"WWW-Authenticate": value, "Docker-Distribution-Api-Version": "registry/2.0"},
                     head_only=head_only)

    def _refuse(self, registry, kind, name, action):
        """401 for a listing the token does not cover, as ACR answers it: the challenge names the scope
        needed, with error="insufficient_scope" when a valid token lacked it (invalid_token when the token
        itself was refused), and the body's detail names type, name and action."""
        value = 'Bearer realm="https://{}/oauth2/token",service="{}",scope="{}:{}:{}"'.format(
            self.host, registry.login_server, kind, name, action)
        if self.headers.get("Authorization"):
            value += ',error="{}"'.format("insufficient_scope" if self._claims(registry) else "invalid_token")
        self._errors(401, "UNAUTHORIZED", "authentication required, visit https://aka.ms/acr/authorization for "
                     "more information.", [{"Type": kind, "Name": name, "Action": action}],
                     headers={"WWW-Authenticate": value, "Docker-Distribution-Api-Version": "registry/2.0"})

    def _allows(self, registry, kind, name, action):
        claims = self._claims(registry) or {}
        return any(a.get("type") == kind and a.get("name") == name and
                   (action in a.get("actions", []) or "*" in a.get("actions", [])) for a in claims.get("access", []))

    def _claims(self, registry):
        header = self.headers.get("Authorization") or ""
        if not header.startswith("Bearer "):
            return None
        claims = self.emu.tokens.verify(header[len("Bearer "):])
        if not claims or claims.get("grant_type") != "access_token" or claims.get("aud") != registry.login_server:
            return None
        return claims

    def _exchange(self, registry, form):
        field = {k: v[0] for k, v in form.items()}
        if field.get("grant_type") != "access_token" or field.get("service") != registry.login_server:
            return self._send(400, {"errors": [{"code": "UNSUPPORTED", "message": "bad grant_type or service"}]})
        claims = self.emu.tokens.verify(field.get("access_token") or "")
        if not claims or claims.get("grant_type"):  # an AAD token, not one of the registry's own
            return self._send(401, {"errors": [{"code": "UNAUTHORIZED",
                                                "message": "The AAD access token is invalid or expired."}]})
        refresh = self.emu.tokens.issue(registry.login_server, claims.get("sub") or CLIENT_ID,
                                        extra={"grant_type": "refresh_token"},
                                        lifetime=self.emu.controls.acr_token_lifetime("refresh"))
        return self._send(200, {"refresh_token": refresh})

    def _token(self, registry, form):
        field = {k: v[0] for k, v in form.items()}
        claims = self.emu.tokens.verify(field.get("refresh_token") or "")
        if field.get("grant_type") != "refresh_token" or not claims or \
                claims.get("grant_type") != "refresh_token" or claims.get("aud") != registry.login_server:
            return self._send(401, {"errors": [{"code": "UNAUTHORIZED",
                                                "message": "The refresh token is invalid or expired."}]})
        controls = self.emu.controls
        scopes = " ".join(form.get("scope") or []).split()
        if not controls["token_multi_scope"]:
            scopes = scopes[:1]  # a service that reads one scope field only
        access = grant(scopes, lambda kind, name: controls.allowed_actions(
            registry.name, name if kind == "repository" else None))
        token = self.emu.tokens.issue(registry.login_server, claims["sub"],
                                      extra={"grant_type": "access_token", "access": access},
                                      lifetime=controls.acr_token_lifetime("access"))
        return self._send(200, {"access_token": token})

    # --- manifests ------------------------------------------------------------------------------------
    def _may_pull(self, registry, repository, head_only):
        """Whether the token may pull repository; a 401 challenge (as ACR's) sent when not."""
        claims = self._claims(registry)
        allowed = claims and any(a.get("type") == "repository" and a.get("name") == repository and
                                 ("pull" in a.get("actions", []) or "*" in a.get("actions", []))
                                 for a in claims.get("access", []))
        if not allowed:
            self._challenge(registry, repository, head_only, invalid=bool(self.headers.get("Authorization")))
        return bool(allowed)

    def _manifest(self, registry, region, repository, reference, head_only):
        if not self._may_pull(registry, repository, head_only):
            return None
        from ..state.images import Unknown
        now = self.emu.state.advance()
        try:
            with self.emu.state.lock:
                window = registry.sync_window(region)
                if window is None:
                    raise Unknown("NAME_UNKNOWN", "repository name not known to registry", {"name": repository})
                push = registry.images.resolve(region, window[0], repository, reference, now,
                                               float(self.emu.controls["replication_lag_seconds"]), window[1])
        except Unknown as unknown:
            return self._errors(404, unknown.code, unknown.message, unknown.detail, head_only=head_only)
        if not push.accepted(self.headers.get("Accept") or ""):
            return self._errors(404, "MANIFEST_UNKNOWN", push.not_accepted_message(), head_only=head_only)
        self.send_response(200)
        self.send_header("Content-Type", push.media_type)
        self.send_header("Content-Length", str(len(push.content)))
        if not self.emu.controls["omit_digest_header"]:
            self.send_header("Docker-Content-Digest", push.digest)
        self.send_header("Docker-Distribution-Api-Version", "registry/2.0")
        self.end_headers()
        if not head_only:
            self.wfile.write(push.content)
        self._status = 200

    def _referrers(self, registry, region, repository, digest):
        """The OCI 1.1 referrers API: an image index of the manifests whose subject is digest, filtered by
        artifactType (OCI-Filters-Applied says so), paged through Link; 404 in the regions of the knob
        no_referrers_api (a registry without the API: clients fall back to the referrers tag schema)."""
        if not self._may_pull(registry, repository, False):
            return None
        if region in self.emu.controls["no_referrers_api"]:
            return self._errors(404, "NOT_FOUND", "The requested resource was not found.")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        wanted = (query.get("artifactType") or [None])[0]
        start = int((query.get("last") or ["0"])[0])
        found = self._listed(registry, region, lambda images, window, now, lag: images.referrers(
            region, window, now, lag, repository, digest, wanted))
        if found is None:
            return None
        size = int(self.emu.controls["referrers_page_size"])
        headers = {"Content-Type": INDEX}
        if wanted:
            headers["OCI-Filters-Applied"] = "artifactType"
        if start + size < len(found):
            params = {"last": str(start + size)}
            if wanted:
                params["artifactType"] = wanted
            headers["Link"] = '</v2/{}/referrers/{}?{}>; rel="next"'.format(repository, digest,
                                                                            urllib.parse.urlencode(params))
        return self._send(200, {"schemaVersion": 2, "mediaType": INDEX, "manifests": found[start:start + size]},
                          headers)

    def _blob(self, registry, region, repository, digest, head_only):
        """A blob the region holds answers 307 to a storage URL (never contacted: the proxy refuses that host), as
        ACR redirects layer downloads (or 200 with the knob blob_answer 200); one it does not, 404 BLOB_UNKNOWN."""
        if not self._may_pull(registry, repository, head_only):
            return None
        held = self._listed(registry, region, lambda images, window, now, lag: images.has_blob(
            region, window, now, lag, repository, digest))
        if held is None:
            return None
        if not held:
            return self._errors(404, "BLOB_UNKNOWN", "blob unknown to registry", {"digest": digest},
                                head_only=head_only)
        headers = {"Docker-Content-Digest": digest, "Docker-Distribution-Api-Version": "registry/2.0"}
        if int(self.emu.controls["blob_answer"]) == 200:
            return self._send(200, None, dict(headers, **{"Content-Length": "1024"}), head_only=True)
        location = "https://{}{}.blob.core.windows.net/{}/docker/registry/v2/blobs/sha256/{}/{}/data?sig=redacted".format(
            region[:10], registry.name.lower()[:10], registry.name.lower(), digest[7:9], digest[7:])
        return self._send(307, None, dict(headers, Location=location), head_only=True)

    # --- listings -------------------------------------------------------------------------------------
    def _page_query(self):
        """(last, n) from the query: n capped by listing_page_max, defaulting to listing_page_size; with
        listing_short_pages about half of it (the client must follow Link, not count)."""
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        controls = self.emu.controls
        try:
            count = int((query.get("n") or [controls["listing_page_size"]])[0])
        except ValueError:
            count = int(controls["listing_page_size"])
        count = max(1, min(count, int(controls["listing_page_max"])))
        if controls["listing_short_pages"]:
            count = max(1, count // 2)
        return (query.get("last") or [None])[0] or None, count, (query.get("n") or [str(count)])[0]

    def _listed(self, registry, region, read):
        """read(images, window, now, lag) under the state's lock; None after answering 404 when the region
        holds no data (or the repository)."""
        from ..state.images import Unknown
        now = self.emu.state.advance()
        try:
            with self.emu.state.lock:
                window = registry.sync_window(region)
                if window is None:
                    raise Unknown("NAME_UNKNOWN", "repository name not known to registry", None)
                return read(registry.images, window, now, float(self.emu.controls["replication_lag_seconds"]))
        except Unknown as unknown:
            self._errors(404, unknown.code, unknown.message, unknown.detail)
            return None

    @staticmethod
    def _link(path, last, asked):
        return '<{}?last={}&n={}&orderby=>; rel="next"'.format(path, urllib.parse.quote(last, safe=""), asked)

    def _manifests(self, registry, region, repository):
        """ACR's /acr/v1/{repository}/_manifests: every manifest (untagged ones too), by digest, paged with n and
        last; entries as the recordings show them (no tags key for an untagged one; architecture and os for a
        platform's manifest)."""
        if not self._allows(registry, "repository", repository, "metadata_read"):
            return self._refuse(registry, "repository", repository, "metadata_read")
        last, count, asked = self._page_query()
        found = self._listed(registry, region, lambda images, window, now, lag: images.manifests(
            region, window, now, lag, repository, last, count))
        if found is None:
            return None
        entries, more = found
        from ..state.images import stamp
        listed = []
        for push, tags, created in entries:
            entry = {"digest": push.digest, "imageSize": len(push.content), "createdTime": stamp(created),
                     "lastUpdateTime": stamp(push.at), "mediaType": push.media_type}
            if push.platform:
                entry["os"], entry["architecture"] = push.platform
            if tags:
                entry["tags"] = tags
            entry["changeableAttributes"] = dict(ALWAYS_TRUE)
            listed.append(entry)
        path = "/acr/v1/{}/_manifests".format(urllib.parse.quote(repository, safe=""))
        headers = {"Link": self._link(path, entries[-1][0].digest, asked)} if more and entries else {}
        return self._send(200, {"registry": registry.login_server, "imageName": repository, "manifests": listed},
                          headers)

    def _catalog(self, registry, region):
        if not self._allows(registry, "registry", "catalog", "*"):
            return self._refuse(registry, "registry", "catalog", "*")
        last, count, asked = self._page_query()
        found = self._listed(registry, region, lambda images, window, now, lag: images.catalog(
            region, window, now, lag, last, count))
        if found is None:
            return None
        names, more = found
        headers = {"Link": self._link(CATALOG, names[-1], asked)} if more and names else {}
        return self._send(200, {"repositories": names}, headers)

    def _tags(self, registry, region, repository):
        if not self._allows(registry, "repository", repository, "metadata_read"):
            return self._refuse(registry, "repository", repository, "metadata_read")
        last, count, asked = self._page_query()
        found = self._listed(registry, region, lambda images, window, now, lag: images.tags(
            region, window, now, lag, repository, last, count))
        if found is None:
            return None
        tags, more = found
        from ..state.images import stamp
        body = {"registry": registry.login_server, "imageName": repository, "tags": [
            {"name": tag, "digest": push.digest, "createdTime": stamp(created), "lastUpdateTime": stamp(push.at),
             "signed": False, "changeableAttributes": dict(ALWAYS_TRUE)} for tag, push, created in tags]}
        path = "/acr/v1/{}/_tags".format(urllib.parse.quote(repository, safe=""))
        headers = {"Link": self._link(path, tags[-1][0], asked)} if more and tags else {}
        return self._send(200, body, headers)
