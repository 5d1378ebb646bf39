# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""`status --image`: is the whole artifact in every region? The probe asks each region for the tag, and for every
part of the artifact as the home region has it (artifact.Artifact): each platform's manifest, the referrers
(--referrers), and with --blobs every config and layer blob. What the artifact is gets read once per digest (from
the home region where it has that digest), each part once per region (a part found stays found: content is
immutable), and parts shared between images are asked once. Then the JSON report, the problem line and the
verdict. Plain Python over the data-plane clients."""
import threading

from azext_acr_replication.images import artifact as artifacts
from azext_acr_replication.images.endpoint import NoReferrersApi, repository_scope
from azext_acr_replication.images.poller import MISSING, NOT_CHECKED, PRESENT, SKEW, Observation, Probe
from azext_acr_replication.images.snapshot import REPLICA_FAILED
from azext_acr_replication.images.report import answer, by_regions, nowhere_line, some, verdict

INCOMPLETE = 'incomplete'
FIREWALL_HINT = ("the registry refuses this network (403): run from a network its firewall allows, or allow this "
                 "one with 'az acr network-rule add'")


class ArtifactProbe(Probe):  # pylint: disable=too-many-instance-attributes
    """images: ImageRefs; client_for(host) -> endpoint.EndpointClient; home: the home region's Target; platforms,
    referrers ('none', 'signatures', 'all') and blobs as the options say."""

    def __init__(self, images, client_for, home, platforms=None, referrers='all', blobs=False):  # pylint: disable=too-many-positional-arguments
        self.items = list(images)
        self.scopes = [repository_scope(i.repository, 'pull') for i in self.items]
        self._client_for = client_for
        self.home = home
        self.platforms = list(platforms or [])
        self.referrers = referrers
        self.blobs = blobs
        self._lock = threading.Lock()
        self._artifacts = {}  # (repository, digest) -> (Artifact, threading.Event)
        self._found = set()   # (host, repository, kind, reference, digest): parts a region was seen to hold

    # --- what the artifact is --------------------------------------------------------------------------
    def artifact(self, image, digest, target):
        """The Artifact of image at digest, read once: in the home region where it has that digest, else in
        target's region (which resolves the tag to it)."""
        key = (image.repository, digest)
        with self._lock:
            known = self._artifacts.get(key)
            if known is None:
                self._artifacts[key] = known = [None, threading.Event(), None]
                reader = True
            else:
                reader = False
        if not reader:
            known[1].wait()
            if known[2] is not None:
                raise known[2]
            return known[0]
        try:
            known[0] = self._read(image, digest, target)
            known.append((image, target))  # how to read it again (refresh)
        except Exception as error:
            known[2] = error
            with self._lock:
                self._artifacts.pop(key, None)  # the next region's check tries again
            raise
        finally:
            known[1].set()
        return known[0]

    def refresh(self, board):
        """While waiting: read again what each artifact is (a referrer may reach the home region during the wait, a
        re-signed cosign tag moves). Where the parts changed, the regions that held the old ones are asked again
        (their observations are reset). True when something changed."""
        with self._lock:
            known = [(key, entry) for key, entry in self._artifacts.items() if entry[0] is not None and len(entry) > 3]
        changed = False
        for key, entry in known:
            image, target = entry[3]
            try:
                fresh = self._read(image, key[1], target)
            except Exception:  # pylint: disable=broad-except
                continue  # the next look tries again
            if {p.key for p in fresh.parts()} == {p.key for p in entry[0].parts()}:
                continue
            old, entry[0], changed = entry[0], fresh, True
            with board.lock:
                for region in board.current():
                    observation = board.observation(region, image)
                    if getattr(observation, 'found', {}).get('artifact') is old:
                        board.record(region, image, Observation(NOT_CHECKED), 0)
        return changed

    def _read(self, image, digest, target):
        sources = [self.home] if self.home is not None and self.home.endpoint and self.home.blocked is None else []
        sources.append(target)
        for source in sources:
            client = self._client_for(source.endpoint)
            manifest = client.manifest(image.repository, digest)
            if manifest is None:
                continue
            found = artifacts.Artifact(digest, manifest.media_type, manifest.body, self.platforms)
            self._referrers(client, image.repository, found)
            if self.blobs:
                self._blobs(client, image.repository, found, manifest.body)
            found.source = source.location
            # the referrers this region listed (the API, the tag schema's index, cosign's tags) are there: no HEAD
            with self._lock:
                self._found.update(self._key(client, image.repository, part) for part in found.parts()
                                   if part.group == 'referrers')
            return found
        return artifacts.Artifact(digest, None, {}, self.platforms)  # gone meanwhile: the tag alone is checked

    def _referrers(self, client, repository, found):
        if self.referrers == 'none':
            return
        for subject in found.subjects():
            try:
                listed = client.referrers(repository, subject)
                tag = None
            except NoReferrersApi:
                found.referrers_by_tags = True
                index = client.manifest(repository, artifacts.referrers_tag(subject))
                listed = (index.body.get('manifests') or []) if index else []
                tag = index.digest if index else None
                if tag:
                    found.index_tags[artifacts.referrers_tag(subject)] = tag
            found.add_referrers(subject, listed, self.referrers)
        for subject in found.subjects():  # cosign's tags: `cosign sign --recursive` signs each platform too
            for suffix, artifact_type in artifacts.COSIGN_SUFFIXES.items():
                if self.referrers == 'signatures' and suffix != 'sig':
                    continue
                tag = f'{artifacts.referrers_tag(subject)}.{suffix}'
                head = client.head_manifest(repository, tag)
                if head:
                    found.add_referrers(subject, [{'digest': head[0], 'artifactType': artifact_type}], 'all', tag=tag)

    def _blobs(self, client, repository, found, body):
        found.blobs[found.digest] = artifacts.blobs_of(body)
        for digest in found.manifests()[1:]:
            manifest = client.manifest(repository, digest)
            if manifest is not None:
                found.blobs[digest] = artifacts.blobs_of(manifest.body)

    # --- one region ------------------------------------------------------------------------------------
    @staticmethod
    def _key(client, repository, part):
        return (client.host, repository, part.kind, part.reference, part.digest)

    def _holds(self, client, repository, part):
        key = self._key(client, repository, part)
        if key in self._found:
            return True
        if part.kind == artifacts.BLOB:
            held = client.has_blob(repository, part.digest)
        else:
            head = client.head_manifest(repository, part.reference)
            # the tag schema's index moves with every referrer pushed; the referrers in it are parts of their own,
            # checked by digest: the index tag need only be there
            exact = part.digest is not None and part.label != artifacts.REFERRERS_INDEX
            held = head is not None and (not exact or head[0] == part.digest)
        if held:
            self._found.add(key)
        return held

    def check(self, target, item):
        image = item
        client = self._client_for(target.endpoint)
        # every region HEADs the tag; what the artifact at that digest is, is read once by whichever region gets there
        # first (from the home region where it holds that digest), so the requests made do not depend on the order
        head = client.head_manifest(image.repository, image.reference)
        if head is None:
            return Observation(MISSING)
        digest, media_type = head
        found = self.artifact(image, digest, target)
        parts = found.parts()
        lacking = [part for part in parts if not self._holds(client, image.repository, part)]
        return Observation(INCOMPLETE if lacking else PRESENT, digest=digest, media_type=media_type,
                           artifact=found, lacking=lacking, parts=len(parts) + 1)

    # --- what the answers mean ---------------------------------------------------------------------------
    def digests(self, board, image):
        with board.lock:
            return sorted({o.digest for _, o in board.observations(image) if o.digest})

    def state(self, board, target, item):
        observation = board.observation(target, item)
        if observation.state in (PRESENT, INCOMPLETE) and len(self.digests(board, item)) > 1:
            return SKEW
        return observation.state

    def lacking_platforms(self, board):
        """{image: [platforms the index does not have]} (exit 3: no waiting brings them)."""
        found = {}
        with board.lock:
            for image in board.items:
                for _, observation in board.observations(image):
                    lacking = getattr(observation, 'artifact', None) and observation.artifact.lacking
                    if lacking:
                        found[image] = (lacking, observation.artifact)
        return found

    def nowhere(self, board):
        return super().nowhere(board) + list(self.lacking_platforms(board))

    def complete(self, board):
        return super().complete(board) and not self.lacking_platforms(board)


def _home_observation(board, probe, image):
    home = next((t for t in board.current() if probe.home is not None and t.location == probe.home.location), None)
    return board.observation(home, image) if home is not None else None


def _other_kind(found, home):
    """'resolves to <what> where the home region has <what>' when a region's tag names another kind of manifest
    than the home region's (not only another digest), else None."""
    theirs = getattr(home, 'artifact', None) if home is not None else None
    if found is None or theirs is None or found.digest == theirs.digest:
        return None
    here, there = artifacts.describe(found.media_type, found.body), artifacts.describe(theirs.media_type, theirs.body)
    return f'resolves to {here} where the home region has {there}' if here != there else None


def report(registry_name, board, probe, waited=None, timed_out=False):
    """The JSON `status --image` prints (and the facts its error line is made of)."""
    images = []
    for image in board.items:
        regions, summary = [], None
        home = _home_observation(board, probe, image)
        for target, seen in board.observations(image):
            found = getattr(seen, 'artifact', None)
            if found is not None and (summary is None or seen is home):
                summary = found.summary()
            state = probe.state(board, target, image)
            detail = seen.detail
            if state == SKEW:
                detail = _other_kind(found, home) or detail
            lacking = getattr(seen, 'lacking', None)
            regions.append({'replica': target.replica, 'region': target.location, 'endpoint': target.endpoint,
                            'state': state, 'digest': seen.digest,
                            'arrivedAfterSeconds': board.arrived.get((target.location, str(image))), 'detail': detail,
                            'missing': artifacts.missing_json(lacking) if lacking is not None else None,
                            'parts': {'present': seen.parts - len(lacking), 'total': seen.parts}
                            if lacking is not None else None})
        images.append({'image': str(image), 'digests': probe.digests(board, image),
                       'inEveryRegion': all(r['state'] == PRESENT for r in regions), 'artifact': summary,
                       'regions': regions})
    return answer(registry_name, probe.complete(board), 'images', images, waited=waited, timed_out=timed_out)


def problem_line(result):
    """'app:1.0: incomplete in japaneast (linux/arm64; 1 signature); missing in uksouth. ...'"""
    parts = []
    for image in result['images']:
        if image['inEveryRegion']:
            continue
        entries = []
        for region in image['regions']:
            if region['state'] in (PRESENT, SKEW):  # skew is told by the digests below
                continue
            words = region['state']
            if region['state'] == INCOMPLETE:
                words += f" ({artifacts.missing_text(region['missing'])})"
            entries.append((region['region'], words))
        pieces = [f"{words} in {', '.join(regions)}" for words, regions in by_regions(entries)]
        if len(image['digests']) > 1:
            spread = []
            for digest in image['digests']:
                where = [r['region'] for r in image['regions'] if r['digest'] == digest]
                spread.append(f"{digest[:19]} in {', '.join(where)}")
            pieces.append(f"{len(image['digests'])} digests ({'; '.join(spread)})")
            pieces.extend(f"{r['region']} {r['detail']}" for r in image['regions']
                          if r['state'] == SKEW and (r['detail'] or '').startswith('resolves to'))
        parts.append(f"{image['image']}: {'; '.join(pieces)}")
    return '. '.join(parts)


def what_to_do(registry_name, board, probe):
    """'japaneast: recreate the replica with ...; eastus, uksouth: <what the registry said>' for a stuck wait."""
    failed, said = [], {}
    for target in board.current():
        for image in board.items:
            observation = board.observation(target, image)
            if probe.state(board, target, image) == PRESENT or not observation.terminal:
                continue
            if observation.state == REPLICA_FAILED:
                if target.location not in failed:
                    failed.append(target.location)
                continue
            text = observation.detail or observation.state
            if observation.kind == 'forbidden' and not any(w in text for w in ('firewall', 'AcrPull')):
                text = f'{text}; {FIREWALL_HINT}'
            regions = said.setdefault(text, [])
            if target.location not in regions:
                regions.append(target.location)
    advice = []
    if failed:
        advice.append(f"{', '.join(failed)}: the replica failed or was canceled; create it again with 'az acr "
                      f"replication create -r {registry_name} -l {' '.join(failed)}'")
    advice.extend(f"{', '.join(regions)}: {text}" for text, regions in said.items())
    return '; '.join(advice)


def judged(registry_name, board, probe, result, stuck=False, timed_out_after=None):  # pylint: disable=too-many-positional-arguments
    """(the one error line, exit code) when not every region has all of every image; None when they all do."""
    if result['complete']:
        return None
    lines = []
    nowhere = Probe.nowhere(probe, board)
    if nowhere:
        lines.append(nowhere_line(registry_name, nowhere, 'Check the repository and tag (or push the image first).'))
    for image, (lacking, found) in probe.lacking_platforms(board).items():
        has = ', '.join(found.all_platforms) or 'no platform'
        lines.append(f"{image} has no {some(lacking)}: its index has {has}. Check --platform.")
    return verdict('in every region', problem_line(result), nowhere=' '.join(lines) or None, stuck=stuck,
                   advice=what_to_do(registry_name, board, probe) if stuck else None,
                   timed_out_after=timed_out_after)
