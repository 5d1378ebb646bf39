"""Images in a registry and when each push (or tag delete) reaches each replica (eventual consistency,
simulated), and the listings ACR serves of them: the catalog and each repository's tags, per region.

A push lands in its first region at once and in every other replica after that region's lag; a tag delete
spreads the same way (the manifest stays, untagged, as in ACR). A replica created later receives the content
that existed before it was provisioned progressively, over its sync time (replica provisioned at P, Ready at
R: each tag arrives at a fixed point of [P, R] picked by a hash of its name, every version of a tag at the
same moment, so the replica's copy grows steadily, never showing a tag deleted before P). A tag resolves, in a
region, to the newest event for it that has arrived there, so regions can disagree for a while.

Every manifest type ACR stores can be pushed: image manifests (OCI, Docker v2), multi-arch images (OCI
index, Docker manifest list, whose per-platform manifests are pushed with them, untagged), OCI artifact
manifests, and untagged manifests (tag None). The registry answers each only to a client whose Accept list
names its type.
"""
import base64
import bisect
import datetime
import hashlib
import json

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_ARTIFACT = "application/vnd.oci.artifact.manifest.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"  # still in the data-plane spec
# how ACR names each type when the Accept list lacks it: "OCI index found, but accept header does not
# support OCI indexes" (the OCI index wording is ACR's; the others follow it)
MEDIA_TYPES = {OCI_MANIFEST: ("OCI manifest", "OCI manifests"), OCI_INDEX: ("OCI index", "OCI indexes"),
               OCI_ARTIFACT: ("OCI artifact manifest", "OCI artifact manifests"),
               DOCKER_MANIFEST: ("Docker manifest", "Docker manifests"),
               DOCKER_LIST: ("Docker manifest list", "Docker manifest lists"),
               SCHEMA1_SIGNED: ("Docker schema 1 manifest", "Docker schema 1 manifests")}
_CHILD_TYPE = {OCI_INDEX: OCI_MANIFEST, DOCKER_LIST: DOCKER_MANIFEST}
_PLATFORMS = (("linux", "amd64"), ("linux", "arm64"))


class Unknown(Exception):
    """What the registry answers 404 for: NAME_UNKNOWN (no such repository) or MANIFEST_UNKNOWN."""

    def __init__(self, code, message, detail=None):
        super().__init__(message)
        self.code, self.message, self.detail = code, message, detail


def _spread(key):
    """A fixed fraction in [0, 1) for a key: where in a new replica's sync time it receives that tag."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2.0 ** 64


def stamp(epoch):
    """ACR's timestamp form: ISO 8601 with seven fractional digits and Z ('2021-04-14T23:15:13.8163645Z')."""
    moment = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "{:07d}Z".format(int(round(moment.microsecond * 10)))


class Event:
    """Something that happened to a repository at `at` in `first_region` and spreads to the others."""
    deleted = False

    def __init__(self, repository, tag, at, first_region, lags, spread_key=None):
        self.repository, self.tag, self.at = repository, tag, at
        self.first_region, self.lags = first_region, dict(lags or {})
        self.spread = _spread(spread_key or "{}:{}".format(repository, tag))

    def arrival(self, region, region_since, default_lag, region_until=None):
        """When this event is seen in `region`, a replica there since `region_since` that finished (or will
        finish) receiving the older content at `region_until`."""
        if region == self.first_region:
            return self.at
        lag = float(self.lags.get(region, default_lag))
        if self.at < region_since and region_until is not None and region_until > region_since:
            return region_since + lag + (region_until - region_since) * self.spread
        return max(self.at, region_since) + lag


class Push(Event):
    def __init__(self, repository, tag, digest, content, at, first_region, lags, media_type=OCI_MANIFEST,
                 spread_key=None):
        super().__init__(repository, tag, at, first_region, lags,
                         spread_key or "{}:{}".format(repository, tag if tag is not None else digest))
        self.digest, self.content = digest, content
        self.media_type = media_type
        self.body = _body(content)

    @property
    def subject(self):
        """The digest of the manifest this one refers to (a signature, an SBOM), or None."""
        subject = self.body.get("subject")
        return subject.get("digest") if isinstance(subject, dict) else None

    @property
    def artifact_type(self):
        """As the referrers API gives it: the manifest's artifactType, else its config's mediaType."""
        return self.body.get("artifactType") or (self.body.get("config") or {}).get("mediaType")

    @property
    def platform(self):
        """(os, architecture) of an image manifest pushed as a platform of an index, or None."""
        return getattr(self, "_platform", None)

    def descriptor(self):
        """This manifest as an index or the referrers API lists it."""
        found = {"mediaType": self.media_type, "size": len(self.content), "digest": self.digest}
        if self.artifact_type:
            found["artifactType"] = self.artifact_type
        if self.body.get("annotations"):
            found["annotations"] = dict(self.body["annotations"])
        return found

    def accepted(self, accept):
        """Whether a client sending this Accept header may be given this manifest."""
        return self.media_type in accept or "*/*" in accept

    def not_accepted_message(self):
        one, many = MEDIA_TYPES[self.media_type]
        return "{} found, but accept header does not support {}".format(one, many)


class TagDelete(Event):
    """`az acr repository untag` (or a tag delete): the tag goes, the manifest stays, untagged."""
    deleted = True


class ManifestDelete(Event):
    """`az acr repository delete --image REPO@DIGEST` (or REPO:TAG): the manifest goes, with every tag on it."""
    deleted = True

    def __init__(self, repository, digest, at, first_region, lags):
        super().__init__(repository, None, at, first_region, lags, "{}@{}".format(repository, digest))
        self.digest = digest


class RepositoryDelete(Event):
    """`az acr repository delete --repository REPO`: every manifest and tag of it goes."""
    deleted = True


class Blob(Event):
    """A config or layer blob uploaded with a manifest: it reaches each region with its manifest (or its own lags)."""

    def __init__(self, repository, digest, at, first_region, lags, spread_key):
        super().__init__(repository, None, at, first_region, lags, spread_key)
        self.digest = digest


def _digest(content):
    return "sha256:" + hashlib.sha256(content).hexdigest()


def _body(content):
    try:
        body = json.loads(content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def blobs_of(content):
    """The blobs a manifest refers to (config and layers; an artifact manifest's blobs)."""
    body = _body(content)
    found = [body["config"]["digest"]] if isinstance(body.get("config"), dict) and "digest" in body["config"] else []
    return found + [b["digest"] for b in (body.get("layers") or body.get("blobs") or []) if "digest" in b]


def _encode(body):
    return json.dumps(body, separators=(",", ":")).encode()


def manifest_for(repository, tag, at, media_type=OCI_MANIFEST, children=()):
    """A small manifest of media_type, unique per push, and its real digest; an index or list refers to
    children [(content, digest, media_type, (os, architecture))]."""
    seed = "{}:{}@{}".format(repository, tag, at)
    if media_type in (OCI_MANIFEST, DOCKER_MANIFEST):
        oci = media_type == OCI_MANIFEST
        config_type = "application/vnd.oci.image.config.v1+json" if oci else \
            "application/vnd.docker.container.image.v1+json"
        layer_type = "application/vnd.oci.image.layer.v1.tar+gzip" if oci else \
            "application/vnd.docker.image.rootfs.diff.tar.gzip"
        body = {"schemaVersion": 2, "mediaType": media_type,
                "config": {"mediaType": config_type, "size": 2, "digest": _digest(seed.encode())},
                "layers": [{"mediaType": layer_type, "size": 1024 * (n + 1),
                            "digest": _digest("{}:layer{}".format(seed, n).encode())} for n in range(2)]}
    elif media_type in _CHILD_TYPE:
        body = {"schemaVersion": 2, "mediaType": media_type, "manifests": [
            {"mediaType": child_type, "size": len(content), "digest": digest,
             "platform": {"os": platform[0], "architecture": platform[1]}}
            for content, digest, child_type, platform in children]}
    elif media_type == SCHEMA1_SIGNED:
        return _schema1(repository, tag, seed)
    elif media_type == OCI_ARTIFACT:
        body = {"mediaType": media_type, "artifactType": "application/vnd.example.sbom.v1",
                "blobs": [{"mediaType": "application/json", "size": 2, "digest": _digest(seed.encode())}],
                "annotations": {"org.opencontainers.artifact.created": str(at)}}
    else:
        raise ValueError("unknown media type {}; one of {}".format(media_type, ", ".join(sorted(MEDIA_TYPES))))
    content = _encode(body)
    return content, _digest(content)


EMPTY_CONFIG = {"mediaType": "application/vnd.oci.empty.v1+json", "size": 2,
                "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}  # of b"{}"
# what signs, attests or describes an image, by the artifact type its tools give it
COSIGN_SIGNATURE = "application/vnd.dev.cosign.artifact.sig.v1+json"
PAYLOAD_TYPES = {COSIGN_SIGNATURE: "application/vnd.dev.cosign.simplesigning.v1+json",
                 "application/vnd.cncf.notary.signature": "application/jose+json",
                 "application/vnd.dev.sigstore.bundle.v0.3+json": "application/vnd.dev.sigstore.bundle.v0.3+json",
                 "application/spdx+json": "application/spdx+json",
                 "application/vnd.in-toto+json": "application/vnd.in-toto+json"}


def referrer_for(subject, artifact_type, at, with_subject=True):
    """An OCI image manifest of artifact_type referring to subject (a Push), as cosign, notation and ORAS push one:
    an empty config, one layer (the signature or the document), annotations; without its subject field for
    cosign's tag scheme (sha256-<hex>.sig), which names the subject in the tag instead."""
    seed = "{}@{}:{}".format(subject.digest, artifact_type, at)
    body = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": artifact_type, "config": EMPTY_CONFIG,
            "layers": [{"mediaType": PAYLOAD_TYPES.get(artifact_type, "application/octet-stream"), "size": 512,
                        "digest": _digest(seed.encode())}],
            "annotations": {"org.opencontainers.image.created": stamp(at)}}
    if with_subject:
        body["subject"] = {"mediaType": subject.media_type, "size": len(subject.content), "digest": subject.digest}
    content = _encode(body)
    return content, _digest(content)


def referrers_tag(digest):
    """The referrers tag schema's tag for a subject digest (OCI distribution-spec 1.1: sha256-<hex>)."""
    algorithm, _, encoded = digest.partition(":")
    return "{}-{}".format(algorithm[:32], encoded[:64])


def _base64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _schema1(repository, tag, seed):
    """A signed schema 1 manifest as docker/libtrust writes one (pretty JSON, 3 spaces, the JWS signatures spliced
    in before the closing brace) and its digest: of the payload the signature covers, not of the bytes served."""
    payload = json.dumps({"schemaVersion": 1, "name": repository, "tag": tag, "architecture": "amd64",
                          "fsLayers": [{"blobSum": _digest(seed.encode())}],
                          "history": [{"v1Compatibility": json.dumps({"id": _digest(seed.encode())[7:]})}]},
                         indent=3).encode()
    length, tail = len(payload) - 2, payload[-2:]  # the tail is the closing "\n}"
    protected = _base64url(json.dumps({"formatLength": length, "formatTail": _base64url(tail),
                                       "time": "2016-01-01T00:00:00Z"}).encode())
    signature = {"header": {"jwk": {"crv": "P-256", "kty": "EC", "x": "x", "y": "y"}, "alg": "ES256"},
                 "signature": _base64url(hashlib.sha256(payload).digest()), "protected": protected}
    content = payload[:length] + b',\n   "signatures": ' + json.dumps([signature], indent=3).encode() + tail
    return content, _digest(payload)


class RegistryImages:
    def __init__(self):
        self.pushes = []
        self.events = {}  # repository -> [Event], oldest first
        self.names = []   # repository names, sorted (ACR lists them lexically)
        self.blobs = {}   # (repository, digest) -> [Blob]: uploads of that blob, each reaching regions on its own

    def _add(self, event):
        if event.repository not in self.events:
            self.events[event.repository] = []
            bisect.insort(self.names, event.repository)
        self.events[event.repository].append(event)
        if isinstance(event, Push):
            self.pushes.append(event)
        return event

    def _add_manifest(self, push, blob_lags=None):
        """A manifest and its blobs (which reach each region with it, or after blob_lags)."""
        for blob in blobs_of(push.content):
            self.blobs.setdefault((push.repository, blob), []).append(Blob(
                push.repository, blob, push.at, push.first_region, push.lags if blob_lags is None else blob_lags,
                "{}@{}".format(push.repository, blob)))
        return self._add(push)

    def push(self, repository, tag, at, first_region, lags=None, digest=None, media_type=None, platforms=None,
             platform_lags=None, blob_lags=None):
        """One push of repository:tag (tag None: an untagged manifest); a multi-arch image brings its
        per-platform manifests (untagged, received with it, or one platform later: platform_lags {platform:
        {region: s}}); platforms: ('linux/amd64', 'linux/arm64') by default; blob_lags: the blobs' own lags."""
        media_type = media_type or OCI_MANIFEST
        children = []
        if media_type in _CHILD_TYPE:
            for platform in platforms or ["/".join(p) for p in _PLATFORMS]:
                content, child_digest = manifest_for(repository, "{}/{}".format(tag, platform), at,
                                                     _CHILD_TYPE[media_type])
                children.append((content, child_digest, _CHILD_TYPE[media_type], tuple(platform.split("/", 1))))
        content, real_digest = manifest_for(repository, tag, at, media_type, children)
        digest = digest or real_digest
        key = "{}:{}".format(repository, tag if tag is not None else digest)
        for child_content, child_digest, child_type, platform in children:
            own = dict(lags or {})
            own.update((platform_lags or {}).get("/".join(platform), {}))
            child = Push(repository, None, child_digest, child_content, at, first_region, own, child_type,
                         spread_key=key)
            child._platform = platform  # pylint: disable=protected-access
            self._add_manifest(child, blob_lags)
        return self._add_manifest(Push(repository, tag, digest, content, at, first_region, lags, media_type,
                                       spread_key=key), blob_lags)

    def attach(self, repository, subject_digest, artifact_type, at, first_region, lags=None, scheme="referrers"):
        """A referrer of a manifest (a signature, an SBOM, an attestation), pushed as its tool would:
        'referrers' (a manifest with subject, found by the referrers API), 'tag-schema' (that manifest, and an index
        of the subject's referrers tagged sha256-<hex>, as ORAS and notation write it for a registry without the
        API), 'cosign-tag' (cosign's own scheme: a manifest without subject tagged sha256-<hex>.sig, .att or .sbom).
        Returns the referrer's Push."""
        subject = next((p for p in reversed(self.pushes) if p.repository == repository and p.digest == subject_digest),
                       None)
        if subject is None:
            raise Unknown("MANIFEST_UNKNOWN", "manifest unknown", {"Digest": subject_digest})
        content, digest = referrer_for(subject, artifact_type, at, with_subject=scheme != "cosign-tag")
        key = "{}@{}".format(repository, digest)
        tag = None
        if scheme == "cosign-tag":
            suffix = {COSIGN_SIGNATURE: "sig", "application/spdx+json": "sbom"}.get(artifact_type, "att")
            tag = "{}.{}".format(referrers_tag(subject_digest), suffix)
        referrer = self._add_manifest(Push(repository, tag, digest, content, at, first_region, lags, OCI_MANIFEST,
                                           spread_key=key))
        if scheme == "tag-schema":
            listed = [p.descriptor() for p in self.pushes if p.repository == repository and p.subject == subject_digest
                      and getattr(p, "_in_tag_schema", False)] + [referrer.descriptor()]
            referrer._in_tag_schema = True  # pylint: disable=protected-access
            index = _encode({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": listed})
            self._add(Push(repository, referrers_tag(subject_digest), _digest(index), index, at, first_region, lags,
                           OCI_INDEX, spread_key=key))
        return referrer

    def delete_tag(self, repository, tag, at, first_region, lags=None):
        if repository not in self.events:
            raise Unknown("NAME_UNKNOWN", "repository name not known to registry", {"name": repository})
        return self._add(TagDelete(repository, tag, at, first_region, lags))

    def delete_manifest(self, repository, digest, at, first_region, lags=None):
        if repository not in self.events:
            raise Unknown("NAME_UNKNOWN", "repository name not known to registry", {"name": repository})
        return self._add(ManifestDelete(repository, digest, at, first_region, lags))

    def delete_repository(self, repository, at, first_region, lags=None):
        if repository not in self.events:
            raise Unknown("NAME_UNKNOWN", "repository name not known to registry", {"name": repository})
        return self._add(RepositoryDelete(repository, None, at, first_region, lags))

    def seed(self, repositories, tags, at, first_region, repository_prefix="repo", tag_prefix="v"):
        """Many repositories of many tags at once (tests, benchmark): OCI manifests pushed at `at`."""
        width = len(str(max(1, repositories - 1)))
        for r in range(repositories):
            repository = "{}{:0{}d}".format(repository_prefix, r, width)
            for t in range(tags):
                self.push(repository, "{}{}".format(tag_prefix, t), at, first_region)
        return repositories * tags

    # --- reading, as of `now`, in one region -----------------------------------------------------------
    def _arrived(self, repository, region, window, now, default_lag):
        """The events of repository seen in region by now, oldest first, without what a manifest or repository
        delete seen there removed."""
        since, until = window
        arrived = [e for e in self.events.get(repository, ()) if e.arrival(region, since, default_lag, until) <= now]
        for wipe in [e for e in arrived if isinstance(e, RepositoryDelete)]:
            arrived = [e for e in arrived if e.at > wipe.at]
        for gone in [e for e in arrived if isinstance(e, ManifestDelete)]:
            arrived = [e for e in arrived if e is not gone and not (
                isinstance(e, Push) and e.digest == gone.digest and e.at <= gone.at)]
        return arrived

    def resolve(self, region, region_since, repository, reference, now, default_lag, region_until=None):
        """The push a HEAD/GET of repository:reference in `region` sees now; raises Unknown."""
        arrived = self._arrived(repository, region, (region_since, region_until), now, default_lag)
        pushes = [e for e in arrived if not e.deleted]
        if not pushes:
            raise Unknown("NAME_UNKNOWN", "repository name not known to registry",
                          {"name": repository})
        if reference.startswith("sha256:"):
            matching = [p for p in pushes if p.digest == reference]
        else:
            current = _current_tags(arrived).get(reference)
            matching = [current[0]] if current else []
        if not matching:
            raise Unknown("MANIFEST_UNKNOWN", "manifest tagged by \"{}\" is not found".format(reference)
                          if not reference.startswith("sha256:") else "manifest unknown",
                          {"Tag" if not reference.startswith("sha256:") else "Digest": reference})
        return max(matching, key=lambda p: p.at)

    def referrers(self, region, window, now, default_lag, repository, digest, artifact_type=None):
        """Descriptors of the manifests with subject `digest` that the region holds now (the referrers API), in
        the order they were pushed; artifact_type filters."""
        arrived = self._arrived(repository, region, window, now, default_lag)
        return [p.descriptor() for p in arrived if isinstance(p, Push) and not p.deleted and p.subject == digest
                and (artifact_type is None or p.artifact_type == artifact_type)]

    def has_blob(self, region, window, now, default_lag, repository, digest):
        since, until = window
        return any(b.arrival(region, since, default_lag, until) <= now for b in self.blobs.get((repository, digest), ()))

    def manifests(self, region, window, now, default_lag, repository, last=None, count=100):
        """([(push, tags, created)] ordered by digest after `last`, at most count; whether more follow): every
        manifest the region holds now, tagged or not (ACR's /acr/v1/{repository}/_manifests); raises Unknown when
        the region does not hold the repository."""
        arrived = self._arrived(repository, region, window, now, default_lag)
        if not any(not e.deleted for e in arrived):
            raise Unknown("NAME_UNKNOWN", "repository name not known to registry", {"name": repository})
        tags = {}
        for tag, (push, _) in _current_tags(arrived).items():
            tags.setdefault(push.digest, []).append(tag)
        newest = {}
        for push in arrived:
            if isinstance(push, Push) and not push.deleted:
                newest.setdefault(push.digest, push)
        listed = sorted((d, p) for d, p in newest.items() if last is None or d > last)
        return [(p, sorted(tags.get(d, [])), p.at) for d, p in listed[:count]], len(listed) > count

    def catalog(self, region, window, now, default_lag, last=None, count=100):
        """(repository names after `last`, lexically, at most count; whether more follow) as the region
        holds them now: a repository is there once any of its manifests is."""
        found = []
        start = bisect.bisect_right(self.names, last) if last else 0
        for name in self.names[start:]:
            if any(not e.deleted for e in self._arrived(name, region, window, now, default_lag)):
                if len(found) == count:
                    return found, True
                found.append(name)
        return found, False

    def tags(self, region, window, now, default_lag, repository, last=None, count=100):
        """([(tag, push, created)] after `last`, lexically, at most count; whether more follow); raises
        Unknown when the region does not hold the repository."""
        arrived = self._arrived(repository, region, window, now, default_lag)
        if not any(not e.deleted for e in arrived):
            raise Unknown("NAME_UNKNOWN", "repository name not known to registry", {"name": repository})
        current = sorted((tag, push, created) for tag, (push, created) in _current_tags(arrived).items()
                         if last is None or tag > last)
        return current[:count], len(current) > count


def _current_tags(events):
    """{tag: (the push it points at, when the tag was created)} from events oldest first: the newest event
    per tag wins; a delete removes the tag."""
    current = {}
    for event in sorted((e for e in events if e.tag is not None), key=lambda e: e.at):
        if event.deleted:
            current.pop(event.tag, None)
        elif event.tag in current:
            current[event.tag] = (event, current[event.tag][1])
        else:
            current[event.tag] = (event, event.at)
    return current
