"""Everything one running emulator holds: knobs and faults, the ARM state, the token issuer and the
request logs. Both HTTP fronts (ARM and the registry data plane) read it through `server.emulator`."""
import threading

from .arm import TENANT_ID, ArmState
from .knobs import Controls
from .tokens import TokenIssuer


class Emulator:
    """Everything one running emulator holds; the HTTP handler reads it through `server.emulator`."""

    def __init__(self):
        self.controls = Controls()
        self.state = ArmState(self.controls)
        self.tokens = TokenIssuer(TENANT_ID)
        self.log = []
        self.leak_log = []  # proxy requests for hosts that are not registry endpoints
        self.policy_requests = []  # acquirePolicyToken calls: operation, changeReference, token handed out
        self._log_lock = threading.Lock()

    def record(self, entry):
        with self._log_lock:
            self.log.append(entry)

    def record_leak(self, what):
        with self._log_lock:
            self.leak_log.append(what)

    def leaks(self):
        with self._log_lock:
            return list(self.leak_log)

    def push(self, registry, repository, tag, digest=None, first_region=None, lag_seconds=None, media_type=None):
        """A simulated `docker push` (or `oras push`, by media_type): in first_region (default the home
        region) at once, elsewhere later."""
        pushed = self.state.push(registry, repository, tag, self.state.clock(), digest=digest,
                                 first_region=first_region, lag_seconds=lag_seconds, media_type=media_type)
        return {"registry": registry, "repository": repository, "tag": tag, "digest": pushed.digest,
                "first_region": pushed.first_region, "at": pushed.at, "media_type": pushed.media_type}

    def push_index(self, registry, repository, tag, platforms=("linux/amd64", "linux/arm64"), lag_seconds=None,
                   platform_lag_seconds=None, first_region=None, media_type=None, blob_lag_seconds=None):
        """A multi-arch push (`docker buildx build --platform ... --push`): an OCI index (or a Docker manifest list,
        by media_type) and an image manifest per platform, each with a config and layers. platform_lag_seconds
        {"linux/arm64": {"japaneast": 30}}: that platform's manifest reaches that region later than the index;
        blob_lag_seconds {region: s}: the blobs reach those regions after their own lag."""
        index = self.state.push(registry, repository, tag, self.state.clock(), first_region=first_region,
                                lag_seconds=lag_seconds, media_type=media_type or "application/vnd.oci.image.index.v1+json",
                                platforms=list(platforms), platform_lags=platform_lag_seconds, blob_lags=blob_lag_seconds)
        children = {entry["platform"]["os"] + "/" + entry["platform"]["architecture"]: entry["digest"]
                    for entry in index.body["manifests"]}
        return {"registry": registry, "repository": repository, "tag": tag, "digest": index.digest,
                "children": children, "at": index.at, "media_type": index.media_type}

    def attach(self, registry, repository, subject_digest, artifact_type, lag_seconds=None, first_region=None,
               scheme="referrers"):
        """A referrer of subject_digest (a signature, an SBOM) of artifact_type, replicated with its own lag;
        scheme: 'referrers' (the referrers API), 'tag-schema' (also an index tagged sha256-<hex>), 'cosign-tag'
        (tagged sha256-<hex>.sig, .att or .sbom, without subject). Returns its digest."""
        return self.state.attach(registry, repository, subject_digest, artifact_type, self.state.clock(),
                                 first_region=first_region, lag_seconds=lag_seconds, scheme=scheme).digest

    def delete_tag(self, registry, repository, tag, first_region=None, lag_seconds=None):
        """A tag delete (`az acr repository untag`) in first_region (default home) at once, elsewhere later; the
        manifest stays, untagged."""
        event = self.state.delete_tag(registry, repository, tag, self.state.clock(), first_region=first_region,
                                      lag_seconds=lag_seconds)
        return {"registry": registry, "repository": repository, "tag": tag, "first_region": event.first_region,
                "at": event.at}

    def delete_manifest(self, registry, repository, digest, first_region=None, lag_seconds=None):
        """`az acr repository delete --image REPO@DIGEST`: the manifest and every tag on it, in first_region
        (default home) at once, elsewhere later."""
        event = self.state.delete_images(registry, repository, self.state.clock(), digest=digest,
                                         first_region=first_region, lag_seconds=lag_seconds)
        return {"registry": registry, "repository": repository, "digest": digest, "at": event.at}

    def delete_repository(self, registry, repository, first_region=None, lag_seconds=None):
        """`az acr repository delete --repository REPO`: everything in it, in first_region at once, elsewhere
        later."""
        event = self.state.delete_images(registry, repository, self.state.clock(), first_region=first_region,
                                         lag_seconds=lag_seconds)
        return {"registry": registry, "repository": repository, "at": event.at}

    def seed(self, registry, repositories, tags, age_seconds=60, repository_prefix="repo", tag_prefix="v"):
        """repositories x tags OCI manifests pushed to the home region age_seconds ago (names repo000/v0, ...):
        already in every replica that exists, received progressively by one created later."""
        count = self.state.seed(registry, int(repositories), int(tags), self.state.clock() - float(age_seconds),
                                repository_prefix=repository_prefix, tag_prefix=tag_prefix)
        return {"registry": registry, "pushed": count}

    def add_replicas(self, registry, *locations, **settings):
        """Replicas that exist already (state/arm.py add_replicas: name, tags, routing, zone, state, syncing)."""
        return self.state.add_replicas(registry, locations, self.state.clock(), **settings)

    def set_registry(self, registry, **settings):
        """sku, regional_endpoints (True/False), role_assignment_mode of a registry."""
        self.state.set_registry(registry, **settings)

    def requests(self):
        with self._log_lock:
            return list(self.log)

    def clear_log(self):
        with self._log_lock:
            self.log = []

    def dataplane_requests(self):
        return [e for e in self.requests() if ".azurecr." in str(e.get("host", ""))]

    def reset(self, extra_registries=0):
        self.controls.reset()
        self.policy_requests = []
        self.tokens.lifetime = int(self.controls["token_lifetime"])
        self.state.reset(extra_registries=extra_registries)
        self.clear_log()
