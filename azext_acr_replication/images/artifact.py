# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""What a whole artifact is, from its manifests: an image manifest, or an index (OCI image index, Docker manifest
list) of a manifest per platform (and buildx's attestation manifests); the referrers of each (signatures, SBOMs,
attestations: the OCI referrers API, the referrers tag schema, cosign's sha256-<hex>.sig/.att/.sbom tags); the
config and layer blobs of each. `Artifact` is what one region (the home region, where it has the tag) says the
artifact is: the Parts every region must hold. Pure Python."""

INDEX_TYPES = ('application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json')
# referrers that sign (what an admission policy verifies): cosign (its OCI 1.1 mode, its v3 bundles), notation
SIGNATURE_TYPES = ('application/vnd.dev.cosign.artifact.sig.v1+json', 'application/vnd.cncf.notary.signature')
SIGNATURE_PREFIXES = ('application/vnd.dev.sigstore.bundle',)
COSIGN_SUFFIXES = {'sig': 'application/vnd.dev.cosign.artifact.sig.v1+json',
                   'att': 'application/vnd.dsse.envelope.v1+json', 'sbom': 'application/spdx+json'}
REFERRERS_CHOICES = ('none', 'signatures', 'all')
ATTESTATION = 'attestation-manifest'  # buildx's vnd.docker.reference.type of an index child that attests another
MANIFEST, TAG, BLOB = 'manifest', 'tag', 'blob'
REFERRERS_INDEX = 'referrers index'  # the label of the tag schema's index (sha256-<digest>)


def is_signature(artifact_type):
    return bool(artifact_type) and (artifact_type in SIGNATURE_TYPES or artifact_type.startswith(SIGNATURE_PREFIXES))


SBOM_MARKS = ('spdx', 'cyclonedx', 'syft')  # in an SBOM's artifactType (application/spdx+json, ...cyclonedx+json)


def kind_of(artifact_type):
    """How the table and the error line name a referrer: 'signature', 'SBOM', 'attestation', or its type."""
    if is_signature(artifact_type):
        return 'signature'
    lowered = (artifact_type or '').lower()
    if any(mark in lowered for mark in SBOM_MARKS):
        return 'SBOM'
    if 'in-toto' in lowered or 'attestation' in lowered or lowered.endswith('.att'):
        return 'attestation'
    return artifact_type


def referrers_tag(digest):
    """The referrers tag schema's tag of a digest (OCI distribution-spec 1.1: algorithm, '-', the hex; as cosign and
    ORAS write it)."""
    algorithm, _, encoded = digest.partition(':')
    return f'{algorithm[:32]}-{encoded[:64]}'


def platform_of(descriptor):
    """'linux/arm64' (or 'linux/arm/v7') of an index entry; None when it has none."""
    platform = descriptor.get('platform') or {}
    if not platform.get('os') or not platform.get('architecture'):
        return None
    return '/'.join(p for p in (platform['os'], platform['architecture'], platform.get('variant')) if p)


def parse_platforms(values):
    """['linux/amd64', 'linux/arm64'] from --platform values (space- or comma-separated, os/arch[/variant]), in
    order, without repeats. Raises ValueError with a sentence."""
    found = []
    for value in values or ():
        for part in value.split(','):
            part = part.strip().lower()
            if not part:
                continue
            pieces = part.split('/')
            if len(pieces) not in (2, 3) or not all(pieces):
                raise ValueError(f"'{part}' is not a platform: give os/architecture[/variant], e.g. linux/arm64.")
            if part not in found:
                found.append(part)
    return found


DEFAULT_VARIANTS = {'arm64': 'v8'}  # what containerd and docker take an architecture without a variant to be


def _normal(platform):
    pieces = platform.split('/')
    if len(pieces) == 2 and pieces[1] in DEFAULT_VARIANTS:
        pieces.append(DEFAULT_VARIANTS[pieces[1]])
    return '/'.join(pieces)


def _matches(wanted, platform):
    """A --platform value names a platform: linux/arm64 matches linux/arm64/v8 too, and linux/arm64/v8 an index's
    linux/arm64 (arm64's default variant)."""
    return platform == wanted or platform.startswith(wanted + '/') or _normal(platform) == _normal(wanted)


class Part:  # pylint: disable=too-few-public-methods
    """One thing a region must hold: a manifest by digest, a tag resolving to a digest (cosign's tags, the
    referrers tag schema's index), or a blob. label: how the JSON and the table name it when it is missing."""

    def __init__(self, kind, reference, digest, label, group):
        self.kind = kind            # MANIFEST, TAG or BLOB
        self.reference = reference  # the digest, or the tag
        self.digest = digest
        self.label = label          # 'linux/arm64', an artifact type, a blob digest
        self.group = group          # 'platforms', 'referrers' or 'blobs'

    @property
    def key(self):
        return (self.kind, self.reference)


class Artifact:  # pylint: disable=too-many-instance-attributes
    """What an artifact is (as read in one region): the tag's manifest, its platforms and referrers, and, when asked,
    the blobs. Built by images.artifacts from the manifests it reads; parts() is what every region must hold."""

    def __init__(self, digest, media_type, body, platforms=None):
        self.digest = digest
        self.media_type = media_type
        self.body = body or {}
        self.wanted_platforms = platforms or []
        self.children = []        # [(platform or 'attestation of <platform>', digest, media type)]
        self.lacking = []         # --platform values the index does not have
        self.referrers = []       # [(subject digest, referrer digest, artifact type, tag or None)]
        self.blobs = {}           # manifest digest -> [blob digests]
        self.referrers_by_tags = False  # found through the referrers tag schema (no referrers API)
        self.index_tags = {}      # referrers tag schema tag -> the digest of the index it holds
        self.source = None        # the region it was read in
        self.all_platforms = []   # every platform the index lists
        if self.is_index:
            self._children()

    @property
    def is_index(self):
        return self.media_type in INDEX_TYPES or 'manifests' in self.body

    def _children(self):
        entries = [m for m in self.body.get('manifests') or [] if isinstance(m, dict) and m.get('digest')]
        platforms = {m['digest']: platform_of(m) for m in entries}
        attests = {m['digest']: (m.get('annotations') or {}).get('vnd.docker.reference.digest') for m in entries
                   if (m.get('annotations') or {}).get('vnd.docker.reference.type') == ATTESTATION}
        chosen = set()
        for entry in entries:
            digest = entry['digest']
            if digest in attests:
                continue
            platform = platforms[digest] or digest[:19]
            if self.wanted_platforms and not any(_matches(w, platform) for w in self.wanted_platforms):
                continue
            chosen.add(digest)
            self.children.append((platform, digest, entry.get('mediaType')))
        for entry in entries:
            subject = attests.get(entry['digest'])
            if subject is not None and (subject in chosen or not self.wanted_platforms):
                of = platforms.get(subject) or (subject or '')[:19]
                self.children.append((f'attestation of {of}', entry['digest'], entry.get('mediaType')))
        self.all_platforms = [p for d, p in platforms.items() if p and d not in attests]
        self.lacking = [w for w in self.wanted_platforms if not any(_matches(w, p) for p in self.all_platforms)]

    @property
    def platforms(self):
        """platform -> digest of the platforms checked (attestations included)."""
        return {platform: digest for platform, digest, _ in self.children}

    def subjects(self):
        """The digests whose referrers are asked for: the tag's manifest and each platform's."""
        return [self.digest] + [digest for _, digest, _ in self.children]

    def manifests(self):
        """Every manifest digest of the artifact: the tag's, the platforms', the referrers'."""
        return self.subjects() + [r[1] for r in self.referrers]

    def add_referrers(self, subject, descriptors, choice, tag=None):
        """The referrers a region listed for subject, as --referrers chooses (none, signatures, all)."""
        for descriptor in descriptors:
            artifact_type = descriptor.get('artifactType')
            if choice == 'none' or (choice == 'signatures' and not is_signature(artifact_type)):
                continue
            if descriptor.get('digest') and all(r[1] != descriptor['digest'] for r in self.referrers):
                self.referrers.append((subject, descriptor['digest'], artifact_type, tag))

    def parts(self):
        """[Part] every region must hold besides the tag itself."""
        found = [Part(MANIFEST, digest, digest, platform, 'platforms') for platform, digest, _ in self.children]
        for _, digest, artifact_type, tag in self.referrers:
            label = artifact_type or 'unknown artifact type'
            if tag:
                found.append(Part(TAG, tag, digest, label, 'referrers'))
            else:
                found.append(Part(MANIFEST, digest, digest, label, 'referrers'))
        found.extend(Part(TAG, tag, digest, REFERRERS_INDEX, 'referrers') for tag, digest in self.index_tags.items())
        for digests in self.blobs.values():
            found.extend(Part(BLOB, blob, blob, blob, 'blobs') for blob in digests)
        unique = {}
        for part in found:
            unique.setdefault(part.key, part)
        return list(unique.values())

    def summary(self):
        """The JSON of what the artifact is."""
        return {'digest': self.digest, 'mediaType': self.media_type, 'platforms': self.platforms,
                'referrers': [{'digest': digest, 'artifactType': artifact_type, 'subject': subject}
                              for subject, digest, artifact_type, _ in self.referrers],
                'blobs': sum(len(b) for b in self.blobs.values()) if self.blobs else None,
                'parts': 1 + len(self.parts())}


def blobs_of(body):
    """The config and layer blobs an image manifest refers to (an artifact manifest's blobs)."""
    found = []
    config = body.get('config')
    if isinstance(config, dict) and config.get('digest'):
        found.append(config['digest'])
    found.extend(b['digest'] for b in (body.get('layers') or body.get('blobs') or []) if isinstance(b, dict)
                 and b.get('digest'))
    found.extend(layer['blobSum'] for layer in body.get('fsLayers') or [] if isinstance(layer, dict)
                 and layer.get('blobSum'))
    return list(dict.fromkeys(found))


def missing_json(parts):
    """What a region lacks, grouped as the JSON shows it: {platforms: [...], referrers: {type: [digest]}, blobs}."""
    missing = {'platforms': [], 'referrers': {}, 'blobs': []}
    for part in parts:
        if part.group == 'platforms':
            missing['platforms'].append(part.label)
        elif part.group == 'referrers':
            missing['referrers'].setdefault(part.label, []).append(part.digest or part.reference)
        else:
            missing['blobs'].append(part.digest)
    return missing


def missing_text(missing):
    """'linux/arm64; 1 signature; 3 blobs' for the table and the error line."""
    if not missing:
        return ''
    pieces = list(missing['platforms'])
    for artifact_type, digests in missing['referrers'].items():
        name = kind_of(artifact_type)
        plural = len(digests) > 1 and name in ('signature', 'SBOM', 'attestation')
        pieces.append(f"{len(digests)} {name}" + ('s' if plural else ''))
    if missing['blobs']:
        pieces.append(f"{len(missing['blobs'])} blob" + ('s' if len(missing['blobs']) > 1 else ''))
    return '; '.join(pieces)


def describe(media_type, body):
    """'an OCI image index of linux/amd64, linux/arm64' / 'a single-platform image manifest': what a tag resolves
    to, to say how two regions differ."""
    if media_type in INDEX_TYPES or 'manifests' in (body or {}):
        platforms = [platform_of(m) for m in (body or {}).get('manifests') or [] if isinstance(m, dict)]
        kind = 'a Docker manifest list' if 'docker' in (media_type or '') else 'an OCI image index'
        return f"{kind} of {', '.join(p for p in platforms if p and p != 'unknown/unknown') or 'no platform'}"
    return 'a single-platform image manifest' if media_type else 'a manifest'
