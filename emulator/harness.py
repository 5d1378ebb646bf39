"""Start the emulator and run the real `az` against it, safely.

Every `az` call made through `az_env()` gets: the emulator's certificate, a closed loopback proxy
(so a stray request to any other address fails at once), no telemetry, no survey, and its own
config and extension dirs. Tests, the demo and the benchmark all go through here.
"""
import contextlib
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import urllib.request

from .certs import write_leaf, write_self_signed
from .state.regions import REGION_NAMES
from .arm.server import EmulatorServer
from .dataplane.proxy import registry_dns_names, serve_proxy
from .state.arm import CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION_ID, TENANT_ID

CLOUD_NAME = "AcrEmulator"


def closed_loopback_port():
    """A loopback port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_servers(workdir, port=0):
    """ARM on https://127.0.0.1:port and the registry proxy beside it, sharing one emulator and one CA.
    A second, foreign CA signs the certificate the proxy presents under the knob tls_inspection (its
    certificate is tls-foreign/cert.pem, trusted by nothing unless a test adds it).

    Returns (server, proxy, ca_cert_path); the caller runs server.serve_forever()."""
    names = registry_dns_names(REGION_NAMES)
    cert_path, key_path = write_self_signed(os.path.join(workdir, "tls"))
    leaf = write_leaf(cert_path, key_path, os.path.join(workdir, "tls"), names)
    foreign_ca = write_self_signed(os.path.join(workdir, "tls-foreign"), "TLS-inspecting proxy CA")
    foreign_leaf = write_leaf(*foreign_ca, os.path.join(workdir, "tls-foreign"), names)
    server = EmulatorServer(port, cert_path, key_path)
    proxy = serve_proxy(server.emulator, leaf, foreign_leaf)
    return server, proxy, cert_path


class RunningEmulator:
    def __init__(self, server, workdir, cert_path, proxy=None):
        self.server = server
        self.emulator = server.emulator
        self.workdir = workdir
        self.cert_path = cert_path
        self.url = server.url
        self.proxy = proxy
        # the registry proxy when there is one: it serves *.azurecr.io and refuses (and records) the rest
        self.proxy_url = proxy.url if proxy else "http://127.0.0.1:{}".format(closed_loopback_port())
        # the CA of the certificate the proxy presents under the knob tls_inspection
        self.foreign_ca_path = os.path.join(workdir, "tls-foreign", "cert.pem")

    # --- control, in-process ----------------------------------------------------------------
    def requests(self, arm_only=True):
        """The request log; identity/metadata calls are left out unless arm_only is False."""
        log = self.emulator.requests()
        if arm_only:
            log = [e for e in log if e["path"].startswith(("/subscriptions", "/tenants"))]
        return log

    def writes(self):
        return [e for e in self.requests() if e["method"] in ("PUT", "PATCH", "DELETE")]

    def clear_log(self):
        """Forget the requests so far (ARM's and the data plane's): what follows is what a test counts."""
        self.emulator.clear_log()

    def add_replicas(self, registry, *locations, **settings):
        """Replicas that exist already, as if created earlier: provisioned and Ready by default (settings: name,
        tags, routing, zone, state='Creating'|'Failed'|..., syncing=True). Returns their names."""
        return self.emulator.add_replicas(registry, *locations, **settings)

    def set_registry(self, registry, **settings):
        """sku='Premium', regional_endpoints=True, role_assignment_mode='AbacRepositoryPermissions'."""
        self.emulator.set_registry(registry, **settings)

    def replicated(self, registry, *locations, regional_endpoints=True, **settings):
        """The usual start of a test: replicas Ready in locations and, by default, regional endpoints on."""
        names = self.add_replicas(registry, *locations, **settings) if locations else []
        if regional_endpoints:
            self.set_registry(registry, regional_endpoints=True)
        return names

    def add_registry(self, group, name, sku="Premium", location="westus", **settings):
        """Another registry, as `az acr create` leaves it (settings: home_replica_name, dnl_hash (a domain name
        label hash in its host names), sub); POST /_emulator/registries does the same from outside."""
        self.emulator.state.add_registry(group, name, sku, location, **settings)

    def move_registry(self, name, group):
        """The registry (found by name) now lives in another resource group, as after `az resource move`."""
        self.emulator.state.move_registry(name, group)

    def provisioned_at(self, registry, replica):
        """When a replica was provisioned (epoch seconds, the request log's clock), or None while it is not: from
        then on it receives images, so with no replication lag an image pushed before reached it then."""
        found = self.emulator.state.registry_by_name(registry).replicas.get(replica.lower())
        return found.provisioned_at if found else None

    def token(self, audience=None, client_id=CLIENT_ID, now=None):
        """A token as the emulator's identity endpoint issues it to client_id: for ARM by default, or for another
        audience (the registry's: https://containerregistry.azure.net); issued at `now` (an older time makes one
        that has expired)."""
        return self.emulator.tokens.issue(audience or self.url, client_id, now=now)

    def issued_tokens(self):
        """Every token handed out so far (AAD's and the registry's): what no output may show."""
        return list(self.emulator.tokens.issued)

    def policy_requests(self):
        """The acquirePolicyToken calls so far: {operation, changeReference, token} each."""
        return list(self.emulator.policy_requests)

    def faults_left(self):
        """How many more matching requests each injected fault will take, in the order added (0: it has fired as
        often as it was told, or it is holding its last request under a delay)."""
        return [fault.times for fault in self.emulator.controls.faults]

    def clear_leaks(self):
        """Forget the proxy's refused requests: for a test whose subject is a leak (the session fails on any other)."""
        self.emulator.leak_log.clear()

    def add_replicas_earlier(self, seconds, registry, *locations, **settings):
        """add_replicas as of `seconds` ago: a list that lags behind (knob list_lag_seconds) shows these replicas
        at once, with no real wait, while a GET shows what is there now. For states that run no operation
        (Succeeded, Failed, Canceled)."""
        state = self.emulator.state
        return state.add_replicas(registry, locations, state.clock() - seconds, **settings)

    def fault_taken(self, index=0):
        """Whether the index-th fault added since the reset has answered all its `times`: with a delay, the
        emulator is now holding the request it took (a test waits for this before interrupting a command)."""
        return self.emulator.controls.faults[index].times == 0

    def reset(self, extra_registries=0):
        self.emulator.reset(extra_registries=extra_registries)

    def knobs(self, **knobs):
        """Set knobs (state/knobs.py DEFAULT_KNOBS); returns every knob's value."""
        if knobs:
            self.emulator.controls.set(**knobs)
        return dict(self.emulator.controls.knobs)

    def fault(self, **spec):
        self.emulator.controls.add_fault(**spec)

    def push(self, registry, repository, tag, digest=None, first_region=None, lag_seconds=None, media_type=None):
        return self.emulator.push(registry, repository, tag, digest, first_region, lag_seconds, media_type)

    def push_index(self, registry, repository, tag, platforms=("linux/amd64", "linux/arm64"), lag_seconds=None,
                   platform_lag_seconds=None, first_region=None, media_type=None, blob_lag_seconds=None):
        """A multi-arch image: {"digest", "children": {platform: digest}, "at"} (Emulator.push_index)."""
        return self.emulator.push_index(registry, repository, tag, platforms, lag_seconds, platform_lag_seconds,
                                        first_region, media_type, blob_lag_seconds)

    def attach(self, registry, repository, subject_digest, artifact_type, lag_seconds=None, first_region=None,
               scheme="referrers"):
        """A referrer (signature, SBOM) of a manifest; returns its digest (Emulator.attach)."""
        return self.emulator.attach(registry, repository, subject_digest, artifact_type, lag_seconds, first_region,
                                    scheme)

    def delete_tag(self, registry, repository, tag, first_region=None, lag_seconds=None):
        return self.emulator.delete_tag(registry, repository, tag, first_region, lag_seconds)

    def delete_manifest(self, registry, repository, digest, first_region=None, lag_seconds=None):
        return self.emulator.delete_manifest(registry, repository, digest, first_region, lag_seconds)

    def delete_repository(self, registry, repository, first_region=None, lag_seconds=None):
        return self.emulator.delete_repository(registry, repository, first_region, lag_seconds)

    def seed(self, registry, repositories, tags, age_seconds=60, repository_prefix="repo", tag_prefix="v"):
        return self.emulator.seed(registry, repositories, tags, age_seconds, repository_prefix, tag_prefix)

    def dataplane_requests(self):
        return self.emulator.dataplane_requests()

    def leaks(self):
        return self.emulator.leaks()

    # --- az environment ---------------------------------------------------------------------
    def base_env(self, config_dir, extension_dir):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "AZ_"))}
        proxy = self.proxy_url
        env.update({
            "AZURE_CONFIG_DIR": config_dir,
            "AZURE_EXTENSION_DIR": extension_dir,
            "AZURE_CORE_COLLECT_TELEMETRY": "false",
            "AZURE_CORE_SURVEY_MESSAGE": "false",
            "AZURE_CORE_NO_COLOR": "true",
            "AZURE_CORE_ONLY_SHOW_ERRORS": "false",
            "AZURE_CORE_INSTANCE_DISCOVERY": "false",
            "AZURE_CORE_ERROR_RECOMMENDATION": "off",  # else a failed command asks aka.ms for examples
            "AZURE_EXTENSION_USE_DYNAMIC_INSTALL": "no",  # else an unknown command fetches a command tree
            "REQUESTS_CA_BUNDLE": self.cert_path,
            "SSL_CERT_FILE": self.cert_path,
            "HTTPS_PROXY": proxy, "HTTP_PROXY": proxy, "https_proxy": proxy, "http_proxy": proxy,
            "ALL_PROXY": proxy, "all_proxy": proxy,
            "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
            "PYTHONWARNINGS": "ignore",
        })
        for name in ("IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT"):
            env.pop(name, None)
        return env


def login(az, running, env, cloud_name=CLOUD_NAME):
    """Register the emulator as a cloud and log in with its service principal. The cloud's endpoints and
    suffixes (acrLoginServer: the knob acr_login_server_suffix) come from the emulator's /metadata/endpoints."""
    az(["cloud", "register", "-n", cloud_name, "--endpoint-resource-manager", running.url.rstrip("/")], env)
    az(["cloud", "set", "-n", cloud_name], env)
    az(["config", "set", "core.instance_discovery=false", "core.collect_telemetry=false",
        "core.survey_message=false", "core.first_run=false", "extension.use_dynamic_install=no"], env)
    az(["login", "--service-principal", "-u", CLIENT_ID, "-p", CLIENT_SECRET, "--tenant", TENANT_ID,
        "-o", "none"], env)
    az(["account", "set", "-s", SUBSCRIPTION_ID], env)


@contextlib.contextmanager
def running_emulator(port=0, workdir=None):
    """Run an emulator in a background thread of this process."""
    own_dir = workdir is None
    workdir = workdir or tempfile.mkdtemp(prefix="acr-emulator-")
    server, proxy, cert_path = start_servers(workdir, port)
    thread = threading.Thread(target=server.serve_forever, name="arm-emulator", daemon=True)
    thread.start()
    try:
        yield RunningEmulator(server, workdir, cert_path, proxy)
    finally:
        server.shutdown()
        server.server_close()
        proxy.shutdown()
        proxy.server_close()
        if own_dir:
            shutil.rmtree(workdir, ignore_errors=True)


def admin(url, cert_path, action, payload=None, method="POST"):
    """Talk to a running emulator's admin endpoint from another process (shell, benchmark)."""
    context = ssl.create_default_context(cafile=cert_path)
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url.rstrip("/") + "/_emulator/" + action, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(
        context=context))
    with opener.open(request, timeout=30) as response:
        body = response.read()
    return json.loads(body) if body else None
