"""Images in a registry and when each push reaches each replica (eventual consistency, simulated).

A push lands in its first region at once and in every other replica after that region's lag; a
replica created later gets the registry's images its lag after it was provisioned. A tag resolves,
in a region, to the newest push of it that has arrived there, so regions can disagree for a while.
"""
import hashlib
import json

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


class Unknown(Exception):
    """What the registry answers 404 for: NAME_UNKNOWN (no such repository) or MANIFEST_UNKNOWN."""

    def __init__(self, code, message, detail=None):
        super().__init__(message)
        self.code, self.message, self.detail = code, message, detail


class Push:
    def __init__(self, repository, tag, digest, content, at, first_region, lags):
        self.repository, self.tag, self.digest, self.content = repository, tag, digest, content
        self.at, self.first_region, self.lags = at, first_region, dict(lags or {})

    def arrival(self, region, region_since, default_lag):
        """When this push is readable in `region`, a replica there since `region_since`."""
        if region == self.first_region:
            return self.at
        lag = float(self.lags.get(region, default_lag))
        return max(self.at, region_since) + lag


def manifest_for(repository, tag, at):
    """A small OCI image manifest, unique per push, and its real digest."""
    body = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": 2,
                       "digest": "sha256:" + hashlib.sha256("{}:{}@{}".format(repository, tag, at).encode()).hexdigest()},
            "layers": []}
    content = json.dumps(body, separators=(",", ":")).encode()
    return content, "sha256:" + hashlib.sha256(content).hexdigest()


class RegistryImages:
    def __init__(self):
        self.pushes = []

    def push(self, repository, tag, at, first_region, lags=None, digest=None):
        content, real_digest = manifest_for(repository, tag, at)
        entry = Push(repository, tag, digest or real_digest, content, at, first_region, lags)
        self.pushes.append(entry)
        return entry

    def resolve(self, region, region_since, repository, reference, now, default_lag):
        """The push a HEAD/GET of repository:reference in `region` sees now; raises Unknown."""
        arrived = [p for p in self.pushes if p.repository == repository and
                   p.arrival(region, region_since, default_lag) <= now]
        if not arrived:
            raise Unknown("NAME_UNKNOWN", "repository name not known to registry",
                          {"name": repository})
        if reference.startswith("sha256:"):
            matching = [p for p in arrived if p.digest == reference]
        else:
            matching = [p for p in arrived if p.tag == reference]
        if not matching:
            raise Unknown("MANIFEST_UNKNOWN", "manifest tagged by \"{}\" is not found".format(reference)
                          if not reference.startswith("sha256:") else "manifest unknown",
                          {"Tag" if not reference.startswith("sha256:") else "Digest": reference})
        return max(matching, key=lambda p: p.at)
