# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""`status --repository`: every tag of each named repository in every region, through the watch that
`status --image` uses (every region on its own thread; with --wait, polls that follow the registry): a
region's check reads the repository's whole tag list there (one paged listing), and the board compares the
regions' lists (compare.RepositoryComparison). Then the JSON report, the table's facts and the verdict
(the one error line and the exit code). Plain Python over the watch and listings."""
import time

from azext_acr_replication.images import compare
from azext_acr_replication.images.listing import registry_since
from azext_acr_replication.images.watch import MISSING, NOT_CHECKED, PRESENT, Board, Observation

NO_REPOSITORY = 'no repository'   # how a region that does not hold the repository is shown
SHOWN_IN_LINE = 5  # tags named per kind in the error line


class RepositoryRef:  # pylint: disable=too-few-public-methods
    """A repository, as the watch's 'image'."""

    def __init__(self, repository):
        self.repository = repository

    def __str__(self):
        return self.repository

    def __eq__(self, other):
        return isinstance(other, RepositoryRef) and other.repository == self.repository

    def __hash__(self):
        return hash(self.repository)


def check_with(client_for):
    """check(target, repository) for the watch: an Observation with the region's tags (MISSING when it
    does not hold the repository). client_for(host) -> endpoint.EndpointClient."""
    def check(target, repository):
        tags = client_for(target.endpoint).tags(repository.repository)
        if tags is None:
            return Observation(MISSING)
        return Observation(PRESENT, listing=tags)
    return check


class RepositoryBoard(Board):
    """The watch's board for repositories: a region is 'present' when it holds every tag the others hold,
    with the same digests. A single read (set_aside) sets aside the tags pushed or moved after the command began
    (`started`, epoch seconds; compared on the registry's clock: listing.registry_since), and is then not
    complete: it never says yes for tags it did not judge. A wait judges every tag, those pushed meanwhile too,
    and reads again until the regions agree (what a CI step gating on a push needs)."""

    def __init__(self, targets, images, set_aside=True, started=None):
        super().__init__(targets, images)
        self.set_aside = set_aside
        self.started = started if started is not None else time.time()
        self._versions = {}  # repository -> how often a region's answer for it was recorded
        self._compared = {}  # repository -> (version, RepositoryComparison)

    def record(self, target, image, observation, elapsed):
        with self._lock:
            self._versions[str(image)] = self._versions.get(str(image), 0) + 1
            super().record(target, image, observation, elapsed)

    def remove(self, target):
        with self._lock:
            super().remove(target)
            self._versions = {name: version + 1 for name, version in self._versions.items()}

    def comparison(self, image):
        """RepositoryComparison over the regions that answered (held it or not)."""
        with self._lock:
            version = self._versions.get(str(image), 0)
            cached = self._compared.get(str(image))
            if cached and cached[0] == version:
                return cached[1]
            listings = {}
            for target in self.targets:
                seen = self.seen.get((target.location, str(image)))
                if seen is not None and seen.state in (PRESENT, MISSING):
                    listings[target.location] = seen.listing if seen.state == PRESENT else None
            since = registry_since(self.started, [(tags.read_at, tags.asked_at) for tags in listings.values()
                                                  if tags is not None]) if self.set_aside else None
            result = compare.RepositoryComparison(listings, since)
            self._compared[str(image)] = (version, result)
            return result

    def complete(self):
        with self._lock:
            return super().complete() and not any(self.comparison(image).changed for image in self.images)

    def state(self, target, image):
        observation = self.observation(target, image)
        if observation.state not in (PRESENT, MISSING):
            return observation.state
        state = self.comparison(image).region_state(target.location)
        return NO_REPOSITORY if state == compare.MISSING else state

    def digests(self, image):
        return []

    def settled(self, target, image):
        return False  # what the others hold can still grow: read again at every poll

    def nowhere(self):
        """Repositories that every region that answered does not hold, once every region asked has answered
        (a region still inside its first request is not taken for unreachable)."""
        found = []
        with self._lock:
            for image in self.images:
                states = [self.observation(t, image).state for t in self.targets]
                if NOT_CHECKED in states:
                    continue
                answered = [s for s in states if s in (PRESENT, MISSING)]
                if answered and all(s == MISSING for s in answered):
                    found.append(image)
        return found


def report(registry_name, board, waited=None, timed_out=False):
    """The JSON `status --repository` prints."""
    repositories = []
    for image in board.images:
        comparison = board.comparison(image)
        regions = []
        for target in board.current():
            seen = board.observation(target, image)
            regions.append({'region': target.location, 'replica': target.replica, 'endpoint': target.endpoint,
                            'state': board.state(target, image),
                            'tags': len(seen.listing) if seen.listing is not None else None,
                            'detail': seen.detail})
        repositories.append({
            'repository': str(image), 'tags': comparison.tags,
            'inEveryRegion': bool(regions) and all(r['state'] == compare.PRESENT for r in regions) and
            not comparison.changed,
            'missing': [{'tag': tag, 'regions': where} for tag, where in comparison.missing.items()],
            'skew': [{'tag': tag, 'digests': digests} for tag, digests in comparison.skew.items()],
            'changedWhileReading': comparison.changed, 'regions': regions})
    result = {'registry': registry_name, 'complete': all(r['inEveryRegion'] for r in repositories),
              'repositories': repositories}
    if waited is not None:
        result['waitedSeconds'] = round(waited, 1)
        result['timedOut'] = timed_out
    return result


def _some(names):
    shown = ', '.join(names[:SHOWN_IN_LINE])
    return shown + (f' and {len(names) - SHOWN_IN_LINE} more' if len(names) > SHOWN_IN_LINE else '')


def problem_line(result):
    """'app: v2 missing in eastus; v1 has 2 digests (...); unreachable in japaneast. team/api: ...'"""
    parts = []
    for repo in result['repositories']:
        if repo['inEveryRegion']:
            continue
        by_regions = {}
        for entry in repo['missing']:
            by_regions.setdefault(tuple(entry['regions']), []).append(entry['tag'])
        pieces = [f"{_some(tags)} missing in {', '.join(regions)}" for regions, tags in by_regions.items()]
        if repo['skew']:
            first = repo['skew'][0]
            spread = '; '.join(f"{region}: {(digest or '')[:19]}" for region, digest in first['digests'].items())
            pieces.append(f"{_some([s['tag'] for s in repo['skew']])} with different digests ({first['tag']}: "
                          f"{spread})")
        states = {}
        for region in repo['regions']:
            if region['state'] not in (compare.PRESENT, compare.TAGS_MISSING, compare.SKEW):
                states.setdefault((region['state'], region['detail']), []).append(region['region'])
        pieces.extend(f"{state} in {', '.join(regions)}" + (f' ({detail})' if detail else '')
                      for (state, detail), regions in states.items())
        if repo['changedWhileReading']:
            changed = repo['changedWhileReading']
            them = 'them' if len(changed) > 1 else 'it'
            pieces.append(f"{_some(changed)} pushed or moved while the command read {them}, not judged (run again, "
                          "or add --wait to wait for every tag)")
        parts.append(f"{repo['repository']}: {'; '.join(pieces)}")
    return '. '.join(parts)


def verdict(registry_name, board, result, stuck=False, timed_out_after=None):
    """(the one error line, exit code) when not every region holds every tag alike; None when they do."""
    if result['complete']:
        return None
    nowhere = board.nowhere()
    if nowhere:
        return (f"Not found in any region of '{registry_name}': {', '.join(str(r) for r in nowhere)}. Check the "
                f"repository name ('az acr repository list -n {registry_name}').", 3)
    if stuck:  # the line names each region's state and what the registry said
        return f"Not the same in every region, and waiting will not change that: {problem_line(result)}.", 1
    prefix = f'Timed out after {int(timed_out_after)} s. ' if timed_out_after is not None else ''
    return f"{prefix}Not the same in every region yet: {problem_line(result)}.", 1
