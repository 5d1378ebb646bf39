# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""`status --repository`: every tag of each named repository in every region (and with --manifests every manifest,
untagged ones too: the children of indexes, referrers), through the region poller `status --image` uses: a
region's check reads the repository's listings there (one paged listing each), and the probe compares the regions'
lists (compare.RepositoryComparison). Then the JSON report, the problem line and the verdict. Plain Python."""
import time

from azext_acr_replication.images import compare
from azext_acr_replication.images.endpoint import repository_scope
from azext_acr_replication.images.listing import registry_since
from azext_acr_replication.images.poller import MISSING, PRESENT, Observation, Probe
from azext_acr_replication.images.report import answer, by_regions, nowhere_line, some, verdict

NO_REPOSITORY = 'no repository'   # how a region that does not hold the repository is shown
MANIFESTS_MISSING = 'manifests missing'


class RepositoryProbe(Probe):
    """A region is 'present' for a repository when it holds every tag the others hold, with the same digests (and
    with manifests, every manifest). A single read (set_aside) sets aside the tags pushed or moved after the command
    began (`started`, epoch seconds; compared on the registry's clock: listing.registry_since), and is then not
    complete: it never says yes for tags it did not judge. A wait judges every tag, those pushed meanwhile too, and
    reads again until the regions agree (what a CI step gating on a push needs)."""

    def __init__(self, repositories, client_for, set_aside=True, started=None, manifests=False):
        self.items = list(repositories)
        self.manifests = manifests
        self.scopes = [repository_scope(r, 'metadata_read') for r in self.items]
        self._client_for = client_for
        self.set_aside = set_aside
        self.started = started if started is not None else time.time()
        self._compared = {}  # (repository, what, board version) -> RepositoryComparison

    def check(self, target, item):
        repository = item
        client = self._client_for(target.endpoint)
        tags = client.tags(repository)
        if tags is None:
            return Observation(MISSING)
        listed = client.manifests(repository) if self.manifests else None
        return Observation(PRESENT, listing=tags, manifests=listed)

    def comparison(self, board, repository, what='listing'):
        """RepositoryComparison of the regions that answered (held it or not), of their tags (what='listing') or
        manifests (what='manifests')."""
        with board.lock:
            key = (repository, what, board.version)
            if key not in self._compared:
                listings = {}
                for target, seen in board.observations(repository):
                    if seen.state in (PRESENT, MISSING):
                        listings[target.location] = getattr(seen, what, None) if seen.state == PRESENT else None
                since = registry_since(self.started, [(tags.read_at, tags.asked_at) for tags in listings.values()
                                                      if tags is not None]) if self.set_aside else None
                self._compared = {k: v for k, v in self._compared.items() if k[2] == board.version}
                self._compared[key] = compare.RepositoryComparison(listings, since)
            return self._compared[key]

    def state(self, board, target, item):
        observation = board.observation(target, item)
        if observation.state not in (PRESENT, MISSING):
            return observation.state
        state = self.comparison(board, item).region_state(target.location)
        if state == compare.MISSING:
            return NO_REPOSITORY
        if state == compare.PRESENT and self.manifests and \
                self.comparison(board, item, 'manifests').region_state(target.location) != compare.PRESENT:
            return MANIFESTS_MISSING
        return state

    def settled(self, board, target, item):
        return False  # what the others hold can still grow: read again at every poll

    def complete(self, board):
        with board.lock:
            return super().complete(board) and not any(self.comparison(board, r).changed for r in board.items)


def report(registry_name, board, probe, waited=None, timed_out=False):
    """The JSON `status --repository` prints."""
    repositories = []
    for repository in board.items:
        comparison = probe.comparison(board, repository)
        regions = []
        for target, seen in board.observations(repository):
            listing = getattr(seen, 'listing', None)
            regions.append({'region': target.location, 'replica': target.replica, 'endpoint': target.endpoint,
                            'state': probe.state(board, target, repository),
                            'tags': len(listing) if listing is not None else None, 'detail': seen.detail})
        entry = {
            'repository': repository, 'tags': comparison.tags,
            'inEveryRegion': bool(regions) and all(r['state'] == compare.PRESENT for r in regions) and
            not comparison.changed,
            'missing': [{'tag': tag, 'regions': where} for tag, where in comparison.missing.items()],
            'skew': [{'tag': tag, 'digests': digests} for tag, digests in comparison.skew.items()],
            'changedWhileReading': comparison.changed, 'regions': regions}
        if probe.manifests:
            held = probe.comparison(board, repository, 'manifests')
            types = {}
            for _, seen in board.observations(repository):
                types.update(getattr(getattr(seen, 'manifests', None), 'media_types', None) or {})
            entry['manifests'] = {digest: sorted(where) for digest, where in held.tags.items()}
            entry['missingManifests'] = [{'digest': digest, 'mediaType': types.get(digest), 'regions': where}
                                         for digest, where in held.missing.items()]
            entry['inEveryRegion'] = entry['inEveryRegion'] and not held.missing and not held.changed
        repositories.append(entry)
    return answer(registry_name, all(r['inEveryRegion'] for r in repositories), 'repositories', repositories,
                  waited=waited, timed_out=timed_out)


def problem_line(result):
    """'app: v2 missing in eastus; v1 has 2 digests (...); unreachable in japaneast. team/api: ...'"""
    parts = []
    for repo in result['repositories']:
        if repo['inEveryRegion']:
            continue
        pieces = [f"{some(tags)} missing in {', '.join(regions)}"
                  for tags, regions in _by_region_sets(repo['missing'], 'tag')]
        if repo['skew']:
            first = repo['skew'][0]
            spread = '; '.join(f"{region}: {(digest or '')[:19]}" for region, digest in first['digests'].items())
            pieces.append(f"{some([s['tag'] for s in repo['skew']])} with different digests ({first['tag']}: "
                          f"{spread})")
        if repo.get('missingManifests'):
            pieces.extend(f"{len(digests)} untagged or tagged manifest{'s' if len(digests) > 1 else ''} missing in "
                          f"{', '.join(regions)} ({some([d[:19] for d in digests], 3)})"
                          for digests, regions in _by_region_sets(repo['missingManifests'], 'digest'))
        entries = [(r['region'], (r['state'], r['detail'])) for r in repo['regions']
                   if r['state'] not in (compare.PRESENT, compare.TAGS_MISSING, compare.SKEW, MANIFESTS_MISSING)]
        pieces.extend(f"{state} in {', '.join(regions)}" + (f' ({detail})' if detail else '')
                      for (state, detail), regions in by_regions(entries))
        if repo['changedWhileReading']:
            changed = repo['changedWhileReading']
            them = 'them' if len(changed) > 1 else 'it'
            pieces.append(f"{some(changed)} pushed or moved while the command read {them}, not judged (run again, "
                          "or add --wait to wait for every tag)")
        parts.append(f"{repo['repository']}: {'; '.join(pieces)}")
    return '. '.join(parts)


def _by_region_sets(entries, name):
    """[(names, regions)]: entries ({name, regions}) grouped by the regions they are missing in."""
    grouped = {}
    for entry in entries:
        grouped.setdefault(tuple(entry['regions']), []).append(entry[name])
    return [(names, regions) for regions, names in grouped.items()]


def judged(registry_name, board, probe, result, stuck=False, timed_out_after=None):  # pylint: disable=too-many-positional-arguments
    """(the one error line, exit code) when not every region holds every tag alike; None when they do."""
    if result['complete']:
        return None
    nowhere = probe.nowhere(board)
    return verdict('the same in every region', problem_line(result), stuck=stuck, timed_out_after=timed_out_after,
                   nowhere=nowhere_line(registry_name, nowhere, "Check the repository name ('az acr repository list "
                                                                f"-n {registry_name}').") if nowhere else None)
