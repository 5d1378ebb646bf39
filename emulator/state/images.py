"""Images in a registry and when each push reaches each replica (eventual consistency, simulated).

A push lands in its first region at once and in every other replica after that region's lag; a
replica created later gets the registry's images its lag after it was provisioned. A tag resolves,
in a region, to the newest push of it that has arrived there, so regions can disagree for a while.

Every manifest type ACR stores can be pushed: image manifests (OCI, Docker v2), multi-arch images (OCI
index, Docker manifest list, whose per-platform manifests are pushed with them, untagged) and OCI artifact
manifests. The registry answers each only to a client whose Accept list names its type.
"""
import hashlib
import json

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_ARTIFACT = "application/vnd.oci.artifact.manifest.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
# how ACR names each type when the Accept list lacks it: "OCI index found, but accept header does not
# support OCI indexes" (the OCI index wording is ACR's; the others follow it)
MEDIA_TYPES = {OCI_MANIFEST: ("OCI manifest", "OCI manifests"), OCI_INDEX: ("OCI index", "OCI indexes"),
               OCI_ARTIFACT: ("OCI artifact manifest", "OCI artifact manifests"),
               DOCKER_MANIFEST: ("Docker manifest", "Docker manifests"),
               DOCKER_LIST: ("Docker manifest list", "Docker manifest lists")}
_CHILD_TYPE = {OCI_INDEX: OCI_MANIFEST, DOCKER_LIST: DOCKER_MANIFEST}
_PLATFORMS = (("linux", "amd64"), ("linux", "arm64"))


class Unknown(Exception):
    """What the registry answers 404 for: NAME_UNKNOWN (no such repository) or MANIFEST_UNKNOWN."""

    def __init__(self, code, message, detail=None):
        super().__init__(message)
        self.code, self.message, self.detail = code, message, detail


class Push:
    def __init__(self, repository, tag, digest, content, at, first_region, lags, media_type=OCI_MANIFEST):
        self.repository, self.tag, self.digest, self.content = repository, tag, digest, content
        self.at, self.first_region, self.lags = at, first_region, dict(lags or {})
        self.media_type = media_type

    def accepted(self, accept):
        """Whether a client sending this Accept header may be given this manifest."""
        return self.media_type in accept or "*/*" in accept

    def not_accepted_message(self):
        one, many = MEDIA_TYPES[self.media_type]
        return "{} found, but accept header does not support {}".format(one, many)

    def arrival(self, region, region_since, default_lag):
        """When this push is readable in `region`, a replica there since `region_since`."""
        if region == self.first_region:
            return self.at
        lag = float(self.lags.get(region, default_lag))
        return max(self.at, region_since) + lag


def _digest(content):
    return "sha256:" + hashlib.sha256(content).hexdigest()


def _encode(body):
    return json.dumps(body, separators=(",", ":")).encode()


def manifest_for(repository, tag, at, media_type=OCI_MANIFEST, children=()):
    """A small manifest of media_type, unique per push, and its real digest; an index or list refers to
    children [(content, digest, media_type, (os, architecture))]."""
    seed = "{}:{}@{}".format(repository, tag, at)
    if media_type in (OCI_MANIFEST, DOCKER_MANIFEST):
        config_type = "application/vnd.oci.image.config.v1+json" if media_type == OCI_MANIFEST else \
            "application/vnd.docker.container.image.v1+json"
        body = {"schemaVersion": 2, "mediaType": media_type,
                "config": {"mediaType": config_type, "size": 2, "digest": _digest(seed.encode())}, "layers": []}
    elif media_type in _CHILD_TYPE:
        body = {"schemaVersion": 2, "mediaType": media_type, "manifests": [
            {"mediaType": child_type, "size": len(content), "digest": digest,
             "platform": {"os": platform[0], "architecture": platform[1]}}
            for content, digest, child_type, platform in children]}
    elif media_type == OCI_ARTIFACT:
        body = {"mediaType": media_type, "artifactType": "application/vnd.example.sbom.v1",
                "blobs": [{"mediaType": "application/json", "size": 2, "digest": _digest(seed.encode())}],
                "annotations": {"org.opencontainers.artifact.created": str(at)}}
    else:
        raise ValueError("unknown media type {}; one of {}".format(media_type, ", ".join(sorted(MEDIA_TYPES))))
    content = _encode(body)
    return content, _digest(content)


class RegistryImages:
    def __init__(self):
        self.pushes = []

    def push(self, repository, tag, at, first_region, lags=None, digest=None, media_type=None):
        """One push of repository:tag; a multi-arch image brings its per-platform manifests (untagged)."""
        media_type = media_type or OCI_MANIFEST
        children = []
        if media_type in _CHILD_TYPE:
            for platform in _PLATFORMS:
                content, child_digest = manifest_for(repository, "{}/{}".format(tag, "/".join(platform)), at,
                                                     _CHILD_TYPE[media_type])
                children.append((content, child_digest, _CHILD_TYPE[media_type], platform))
        content, real_digest = manifest_for(repository, tag, at, media_type, children)
        for child_content, child_digest, child_type, _ in children:
            self.pushes.append(Push(repository, None, child_digest, child_content, at, first_region, lags,
                                    child_type))
        entry = Push(repository, tag, digest or real_digest, content, at, first_region, lags, media_type)
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
