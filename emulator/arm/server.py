"""HTTPS front of the emulator: identity, ARM routes, faults, latency and the request log."""
import json
import math
import re
import ssl
import time
import urllib.parse
from http.server import ThreadingHTTPServer

from ..json_handler import JsonHandler
from ..state.arm import CLIENT_ID, CLIENT_SECRET, RP, SUBSCRIPTIONS, TENANT_ID, ArmError
from ..state.emulator import Emulator
from ..state.knobs import error_for
from ..state import regions
from . import api_versions


SUB = r"/subscriptions/(?P<sub>[^/]+)"
REG = SUB + r"/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.ContainerRegistry/registries/(?P<reg>[^/]+)"
REPL = REG + r"/replications/(?P<name>[^/]+)"


class Handler(JsonHandler):
    # --- plumbing -----------------------------------------------------------------------------

    def _error(self, status, code, message, headers=None):
        self._send(status, {"error": {"code": code, "message": message}}, headers)

    def _send(self, status, body=None, headers=None, head_only=False):
        merged = dict(self._ratelimit)  # what ARM says on every answer to a read
        merged.update(headers or {})
        super()._send(status, body, merged, head_only)

    def _handle(self, method):
        started = time.time()
        self._status = None
        self._ratelimit = {}
        parsed = urllib.parse.urlsplit(self.path)
        path, query = parsed.path, urllib.parse.parse_qs(parsed.query)
        admin = path.startswith("/_emulator/")
        self._log_at_start = self.emu.log  # replaced by a reset or clear_log
        raw = self._body()
        try:
            if admin:
                self._admin(method, path, raw)
            else:
                self._serve(method, path, query, raw)
        except ArmError as err:
            self._error(err.status, err.code, err.message)
        except Exception as err:  # pylint: disable=broad-except
            self._error(500, "EmulatorError", "{}: {}".format(type(err).__name__, err))
        if not admin and not self._outlived_a_reset():
            self.emu.record({"method": method, "path": path, "query": parsed.query, "status": self._status,
                             "start": started, "seconds": round(time.time() - started, 4),
                             "policy": self.headers.get("x-ms-policy-external-evaluations")})

    def _outlived_a_reset(self):
        return self.emu.log is not self._log_at_start

    # --- admin (loopback test control, not part of ARM) ----------------------------------------
    def _admin(self, method, path, raw):
        payload = json.loads(raw or b"{}")
        action = path[len("/_emulator/"):]
        if action == "requests" and method == "GET":
            return self._send(200, {"value": self.emu.requests()})
        if action == "requests" and method == "DELETE":
            self.emu.clear_log()
            return self._send(204)
        if action == "knobs" and method == "POST":
            self.emu.controls.set(**payload)
            return self._send(200, self.emu.controls.knobs)
        if action == "knobs" and method == "GET":
            return self._send(200, self.emu.controls.knobs)
        if action == "faults" and method == "POST":
            self.emu.controls.add_fault(**payload)
            return self._send(204)
        if action == "reset" and method == "POST":
            self.emu.reset(extra_registries=payload.get("extra_registries", 0))
            return self._send(204)
        if action == "registries" and method == "POST":
            extra = {"sub": payload["subscription"]} if payload.get("subscription") else {}
            self.emu.state.add_registry(payload["group"], payload["name"], payload.get("sku", "Premium"),
                                        payload["location"], home_replica_name=payload.get("home_replica_name"),
                                        dnl_hash=payload.get("dnl_hash"), **extra)
            return self._send(204)
        if action == "replicas" and method == "POST":
            settings = {k: payload[k] for k in ("name", "tags", "routing", "zone", "state", "syncing") if k in payload}
            return self._send(200, {"names": self.emu.add_replicas(payload["registry"], *payload["locations"],
                                                                   **settings)})
        if action == "registry" and method == "POST":
            settings = {k: payload[k] for k in ("sku", "regional_endpoints", "role_assignment_mode") if k in payload}
            self.emu.set_registry(payload["registry"], **settings)
            return self._send(204)
        if action == "push" and method == "POST":
            return self._send(200, self.emu.push(payload["registry"], payload["repository"], payload["tag"],
                                                 payload.get("digest"), payload.get("first_region"),
                                                 payload.get("lag_seconds"), payload.get("media_type")))
        if action == "push_index" and method == "POST":
            extra = {k: payload[k] for k in ("platforms", "lag_seconds", "platform_lag_seconds", "first_region",
                                             "media_type", "blob_lag_seconds") if k in payload}
            return self._send(200, self.emu.push_index(payload["registry"], payload["repository"], payload["tag"],
                                                       **extra))
        if action == "attach" and method == "POST":
            extra = {k: payload[k] for k in ("lag_seconds", "first_region", "scheme") if k in payload}
            return self._send(200, {"digest": self.emu.attach(payload["registry"], payload["repository"],
                                                              payload["subject_digest"], payload["artifact_type"],
                                                              **extra)})
        if action == "delete_tag" and method == "POST":
            return self._send(200, self.emu.delete_tag(payload["registry"], payload["repository"], payload["tag"],
                                                       payload.get("first_region"), payload.get("lag_seconds")))
        if action == "seed" and method == "POST":
            names = {k: payload[k] for k in ("age_seconds", "repository_prefix", "tag_prefix") if k in payload}
            return self._send(200, self.emu.seed(payload["registry"], payload["repositories"], payload["tags"],
                                                 **names))
        if action == "leaks" and method == "GET":
            return self._send(200, {"value": self.emu.leaks()})
        if action == "tokens" and method == "GET":
            return self._send(200, {"value": list(self.emu.tokens.issued)})
        return self._error(404, "NotFound", "No such admin action.")

    # --- identity and ARM ----------------------------------------------------------------------
    def _serve(self, method, path, query, raw):
        latency = float(self.emu.controls["latency_ms"]) / 1000.0
        if latency:
            time.sleep(latency)
        if path.rstrip("/") == "/metadata/endpoints":
            return self._send(200, self._metadata())
        if self._identity(method, path, raw):
            return None
        held_since = time.time()
        fault = self._take_fault(method, path, self.headers.get("Host") or "")
        if time.time() - held_since > 0.05 and self._outlived_a_reset():
            return self._drop()  # held by a delay fault across a reset: it belongs to an earlier test
        if fault is not None:
            if fault.status == 0:
                return self._drop()
            code, message = error_for(fault)
            headers = self._fault_headers(fault)
            if fault.status == 401:
                headers["WWW-Authenticate"] = 'Bearer authorization_uri="{}/{}", error="invalid_token"'.format(
                    self._base(), TENANT_ID)
            return self._error(fault.status, code, message, headers)
        if not self._authorized():
            return self._error(401, "InvalidAuthenticationToken",
                               "The access token is missing, invalid or expired.",
                               {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        if method in ("GET", "HEAD") and not self._within_read_limit(path):
            return None
        now = self.emu.state.advance()
        body = json.loads(raw) if raw else None
        for route_method, pattern, func, versions in ROUTES:
            match = re.fullmatch(pattern, path, flags=re.IGNORECASE)
            if match and route_method == method:
                self._api_version = self._checked_version(versions, match.groupdict(), query)
                return func(self, match.groupdict(), query, body, now)
        return self._error(404, "NotFound", "The emulator does not serve {} {}.".format(method, path))

    def _within_read_limit(self, path):
        """ARM's read throttling: one token bucket per subscription (tenant-level reads: the tenant's), the reads
        left on the answer, and 429 SubscriptionRequestsThrottled with Retry-After when the bucket is empty."""
        match = re.match(SUB, path, flags=re.IGNORECASE)
        scope, key = ("subscription", match.group("sub").lower()) if match else ("tenant", TENANT_ID)
        controls = self.emu.controls
        allowed, left, wait = controls.buckets.draw(("arm-reads", scope, key), controls["arm_read_refill_per_second"],
                                                    controls["arm_read_bucket"], time.time())
        # the recorded service sends the subscription's global count (x-ms-ratelimit-remaining-subscription-
        # global-reads: 16499 after one read) on every answer to a read, and no other read header
        header = "x-ms-ratelimit-remaining-subscription-global-reads" if scope == "subscription" else \
            "x-ms-ratelimit-remaining-tenant-reads"
        self._ratelimit = {header: str(int(left))}
        if not allowed:
            seconds = max(1, math.ceil(wait))
            if scope == "subscription":
                self._error(429, "SubscriptionRequestsThrottled",
                            "Number of 'read' requests for subscription '{}' actor '{}' exceeded. Please try again "
                            "after '{}' seconds after additional tokens are available. Refer to "
                            "https://aka.ms/arm-throttling".format(key, CLIENT_ID, seconds),
                            {"Retry-After": str(seconds)})
            else:
                self._error(429, "TooManyRequests", "The request is being throttled as the limit has been reached "
                            "for operation type - 'Read'. For more information, see - https://aka.ms/msdn-throttling",
                            {"Retry-After": str(seconds)})
        return allowed

    def _checked_version(self, versions, args, query):
        """The request's api-version, or ARM's 400 when the route does not know it (see api_versions)."""
        if versions == "arm":
            return api_versions.check_arm(query)
        resource_type, supported = versions
        location = "westus"
        if args.get("reg"):
            with self.emu.state.lock:
                found = self.emu.state.registries.get(
                    (args["sub"].lower(), args.get("rg", "").lower(), args["reg"].lower()))
            location = found.location if found else location
        return api_versions.check_provider(query, resource_type, supported, args.get("loc") or location,
                                           self.emu.controls["retired_api_versions"])

    def _fields(self):
        """The registry properties this request's api-version has, of those only some versions have."""
        version = self._api_version
        fields = []
        if api_versions.has_regional_endpoints(version, self.emu.controls["regional_endpoint_versions"]):
            fields += ["regionalEndpoints", "regionalEndpointHostNames", "endpointProtocol"]
        if api_versions.has_role_assignment_mode(version):
            fields.append("roleAssignmentMode")
        if api_versions.has_anonymous_pull(version):
            fields.append("anonymousPullEnabled")
        return fields

    def _metadata(self):
        base = self._base()
        return {"name": "Emulator", "resourceManager": base + "/", "portal": base + "/",
                "authentication": {"loginEndpoint": base + "/", "audiences": [base + "/"],
                                   "tenant": "common", "identityProvider": "AAD"},
                "suffixes": {"acrLoginServer": self.emu.state.acr_suffix(), "storage": "core.windows.net",
                             "keyVaultDns": "vault.azure.net"},
                "microsoftGraphResourceId": base + "/graph/", "graphAudience": base + "/graph/"}

    def _identity(self, method, path, raw):
        parts = [p for p in path.split("/") if p]
        if len(parts) >= 2 and parts[-2:] == [".well-known", "openid-configuration"]:
            tenant = parts[0]
            base = "{}/{}".format(self._base(), tenant)
            self._send(200, {"token_endpoint": base + "/oauth2/v2.0/token",
                             "authorization_endpoint": base + "/oauth2/v2.0/authorize",
                             "device_authorization_endpoint": base + "/oauth2/v2.0/devicecode",
                             "issuer": base + "/v2.0", "tenant_region_scope": "NA",
                             "jwks_uri": base + "/discovery/v2.0/keys",
                             "response_types_supported": ["code", "token"]})
            return True
        if method == "POST" and len(parts) >= 2 and parts[-1] == "token" and "oauth2" in parts:
            form = urllib.parse.parse_qs(raw.decode())
            client_id = (form.get("client_id") or [""])[0]
            secret = (form.get("client_secret") or [""])[0]
            if client_id != CLIENT_ID or secret != CLIENT_SECRET:
                self._send(401, {"error": "invalid_client",
                                 "error_description": "AADSTS7000215: Invalid client secret provided."})
                return True
            scope = (form.get("scope") or [""])[0].split(" ")[0]
            audience = scope[:-len("/.default")] if scope.endswith("/.default") else scope
            lifetime = int(self.emu.controls["token_lifetime"])
            self.emu.tokens.lifetime = lifetime
            token = self.emu.tokens.issue(audience, CLIENT_ID)
            self._send(200, {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime,
                             "access_token": token})
            return True
        return False

    def _authorized(self):
        header = self.headers.get("Authorization") or ""
        if not header.startswith("Bearer "):
            return False
        return self.emu.tokens.verify(header[len("Bearer "):]) is not None

    # --- ARM handlers ---------------------------------------------------------------------------
    def acquire_policy_token(self, args, query, body, now):
        """Azure Policy's token for one write (azure-cli's --acquire-policy-token / --change-reference)."""
        operation = (body or {}).get("operation") or {}
        token = "policy-token-{}-{}".format(operation.get("httpMethod"), len(self.emu.policy_requests) + 1)
        self.emu.policy_requests.append({"operation": operation, "changeReference": (body or {}).get("changeReference"),
                                         "token": token})
        return self._send(200, {"token": token, "result": "Succeeded"})

    def subscriptions(self, _, query, body, now):
        return self._send(200, {"value": [self._subscription(sub) for sub in SUBSCRIPTIONS]})

    def subscription(self, args, query, body, now):
        if args["sub"].lower() not in SUBSCRIPTIONS:
            return self._error(404, "SubscriptionNotFound", "The subscription '{}' could not be found.".format(
                args["sub"]))
        return self._send(200, self._subscription(args["sub"].lower()))

    @staticmethod
    def _subscription(sub):
        return {"id": "/subscriptions/" + sub, "authorizationSource": "RoleBased",
                "managedByTenants": [], "subscriptionId": sub, "tenantId": TENANT_ID,
                "displayName": SUBSCRIPTIONS[sub], "state": "Enabled",
                "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "Emulated",
                                         "spendingLimit": "Off"}}

    def tenants(self, _, query, body, now):
        return self._send(200, {"value": [{"id": "/tenants/" + TENANT_ID, "tenantId": TENANT_ID,
                                           "tenantCategory": "Home", "displayName": "Emulated Tenant"}]})

    def locations(self, args, query, body, now):
        return self._send(200, regions.locations_body(args["sub"]))

    def _page(self, items, query, size, path):
        start = int((query.get("$skiptoken") or ["0"])[0])
        page = items[start:start + size]
        body = {"value": page}
        if start + size < len(items):
            params = {k: v[0] for k, v in query.items() if k != "$skiptoken"}
            params["$skiptoken"] = str(start + size)
            body["nextLink"] = "{}{}?{}".format(self._base(), path, urllib.parse.urlencode(params))
        return body

    def resources(self, args, query, body, now):
        wanted = (query.get("$filter") or [""])[0]
        state = self.emu.state
        with state.lock:
            items = [r.resource(args["sub"], state.listed_sku(r, now)) for r in state.in_subscription(args["sub"])]
        if wanted and (RP + "/registries").lower() not in wanted.lower():
            items = []
        size = int(self.emu.controls["resources_page_size"])
        return self._send(200, self._page(items, query, size, "/subscriptions/{}/resources".format(args["sub"])))

    def registries_in_subscription(self, args, query, body, now):
        with self.emu.state.lock:
            items = [r.body(args["sub"], self._fields()) for r in self.emu.state.in_subscription(args["sub"])]
        return self._send(200, {"value": items})

    def registries_in_group(self, args, query, body, now):
        with self.emu.state.lock:
            items = [r.body(args["sub"], self._fields()) for r in self.emu.state.in_subscription(args["sub"])
                     if r.group.lower() == args["rg"].lower()]
            if not items and args["rg"].lower() not in self.emu.state.groups(args["sub"]):
                raise ArmError(404, "ResourceGroupNotFound",
                               "Resource group '{}' could not be found.".format(args["rg"]))
        return self._send(200, {"value": items})

    def registry(self, args, query, body, now):
        with self.emu.state.lock:
            return self._send(200, self.emu.state.registry(args["rg"], args["reg"], args["sub"]).body(
                args["sub"], self._fields()))

    def patch_registry(self, args, query, body, now):
        registry = self.emu.state.patch_registry(args["rg"], args["reg"], body or {}, now, sub=args["sub"],
                                                 fields=self._fields())
        with self.emu.state.lock:
            return self._send(200, registry.body(args["sub"], self._fields()))

    def replications(self, args, query, body, now):
        with self.emu.state.lock:
            registry = self.emu.state.parent(args["rg"], args["reg"], args["sub"])
            items = [r.body(registry.id(args["sub"]), now, self._provisioning())
                     for r in self.emu.state.listed_replicas(registry, now)]
        size = int(self.emu.controls["page_size"])
        path = registry.id(args["sub"]) + "/replications"
        return self._send(200, self._page(items, query, size, path))

    def replication(self, args, query, body, now):
        with self.emu.state.lock:
            registry = self.emu.state.parent(args["rg"], args["reg"], args["sub"])
            replica = self.emu.state.replica(registry, args["name"])
            return self._send(200, replica.body(registry.id(args["sub"]), now, self._provisioning()))

    def _provisioning(self):
        return bool(self.emu.controls["provisioning_display_status"])

    def _retry_after(self):
        value = self.emu.controls["retry_after"]
        return {} if value is None else {"Retry-After": str(value)}

    def _async_headers(self, registry_id, op):
        url = "{}{}/replications/{}/operationStatuses/{}?api-version={}".format(  # the request's, as ARM does
            self._base(), registry_id, op.replica_name, op.id, self._api_version)
        headers = {"Azure-AsyncOperation": url}
        headers.update(self._retry_after())
        return headers

    def _answer_write(self, args, registry, replica, op, now):
        """201 + Azure-AsyncOperation while the operation runs; 200 when it ended at once."""
        with self.emu.state.lock:
            rid = registry.id(args["sub"])
            payload = replica.body(rid, now, self._provisioning())
        status = 201 if op.status != "Succeeded" else 200
        return self._send(status, payload, self._async_headers(rid, op) if status == 201 else None)

    def put_replication(self, args, query, body, now):
        written = self.emu.state.put_replication(args["rg"], args["reg"], args["name"], body or {}, now,
                                                 sub=args["sub"])
        return self._answer_write(args, *written, now)

    def patch_replication(self, args, query, body, now):
        self.emu.controls.hold_patch()  # concurrent_patches: racing writers
        now = self.emu.state.advance()
        written = self.emu.state.patch_replication(args["rg"], args["reg"], args["name"], body or {}, now,
                                                   sub=args["sub"])
        return self._answer_write(args, *written, now)

    def delete_replication(self, args, query, body, now):
        op = self.emu.state.delete_replication(args["rg"], args["reg"], args["name"], now, sub=args["sub"])
        if op is None:
            return self._send(204)
        if op.status == "Succeeded":
            return self._send(200)
        return self._send(202, None, self._delete_location(args["sub"], op))

    def _delete_location(self, sub, op):
        if self.emu.controls["delete_status_url"] == "operationStatuses":  # the spec example's Location
            url = "{}{}/replications/{}/operationStatuses/{}?api-version={}".format(
                self._base(), op.registry.id(sub), op.replica_name, op.id, self._api_version)
        else:  # the recordings'
            url = "{}/subscriptions/{}/providers/{}/locations/{}/operationResults/{}?api-version={}".format(
                self._base(), sub, RP, op.location, op.id, self._api_version)
        headers = {"Location": url}
        headers.update(self._retry_after())
        return headers

    def operation_status(self, args, query, body, now):
        op = self.emu.state.operations.get(args["op"])
        if op is None:
            raise ArmError(404, "OperationNotFound", "Operation '{}' was not found.".format(args["op"]))
        payload = {"status": op.status}
        if op.error:
            payload["error"] = op.error
        headers = {}
        if op.running and op.kind != "delete":  # a delete polled here came by its Location: 200 until done
            headers = self._async_headers(op.registry.id(args["sub"]), op)
        return self._send(200, payload, headers)

    def operation_result(self, args, query, body, now):
        op = self.emu.state.operations.get(args["op"])
        if op is None:
            raise ArmError(404, "OperationNotFound", "Operation '{}' was not found.".format(args["op"]))
        if op.status in ("Failed", "Canceled"):
            return self._send(200, {"status": op.status, "error": op.error})
        if op.status == "Succeeded":
            return self._send(200)
        return self._send(202, None, self._delete_location(args["sub"], op))


ARM = "arm"  # ARM's own routes; else (resource type, its api-versions)
REGISTRIES = ("registries", api_versions.REGISTRY_VERSIONS)
REPLICATIONS = ("registries/replications", api_versions.REPLICATION_VERSIONS)
ROUTES = [  # (method, path, handler, api-versions)
    ("GET", r"/subscriptions", Handler.subscriptions, ARM),
    ("POST", SUB + r"/providers/Microsoft\.Authorization/acquirePolicyToken", Handler.acquire_policy_token,
     ("acquirePolicyToken", api_versions.POLICY_TOKEN_VERSIONS)),
    ("GET", r"/tenants", Handler.tenants, ARM),
    ("GET", SUB, Handler.subscription, ARM),
    ("GET", SUB + r"/locations", Handler.locations, ARM),
    ("GET", SUB + r"/resources", Handler.resources, ARM),
    ("GET", SUB + r"/providers/Microsoft\.ContainerRegistry/registries", Handler.registries_in_subscription,
     REGISTRIES),
    ("GET", SUB + r"/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.ContainerRegistry/registries",
     Handler.registries_in_group, REGISTRIES),
    ("GET", REG, Handler.registry, REGISTRIES),
    ("PATCH", REG, Handler.patch_registry, REGISTRIES),
    ("GET", REG + r"/replications", Handler.replications, REPLICATIONS),
    ("GET", REPL, Handler.replication, REPLICATIONS),
    ("PUT", REPL, Handler.put_replication, REPLICATIONS),
    ("PATCH", REPL, Handler.patch_replication, REPLICATIONS),
    ("DELETE", REPL, Handler.delete_replication, REPLICATIONS),
    ("GET", REPL + r"/operationStatuses/(?P<op>[^/]+)", Handler.operation_status,
     ("registries/replications/operationStatuses", api_versions.REPLICATION_VERSIONS)),
    ("GET", SUB + r"/providers/Microsoft\.ContainerRegistry/locations/(?P<loc>[^/]+)/operationResults/(?P<op>[^/]+)",
     Handler.operation_result, ("locations/operationResults", api_versions.REPLICATION_VERSIONS)),
]


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port, cert_path, key_path, emulator=None):
        super().__init__(("127.0.0.1", port), Handler)
        self.emulator = emulator or Emulator()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        # the handshake happens in the request thread, so one stuck client cannot block accept()
        self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    @property
    def url(self):
        return "https://127.0.0.1:{}/".format(self.server_address[1])
