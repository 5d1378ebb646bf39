# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Comparing what regions hold, from their tag listings (listing.Tags): one repository across every region
(`status --repository`), a region's copy of a repository against the home region's (`status
--all-repositories`), and how fast a syncing replica is catching up. Pure Python.

Tags that change while the command reads are set aside on purpose: the comparison is of the registry as it
was when the command began (`since`, on the registry's clock: listing.registry_since). A tag whose
lastUpdateTime in any region is at or after `since` was pushed or moved meanwhile; it is listed as changed
while reading, not judged (one region may have been read before the push and another after), and a result with
tags set aside is never a 'yes'. Untagged
manifests are not compared: the listings are of tags, and a manifest without a tag is pulled by digest
(`status --image REPO@sha256:...` checks one).
"""

MISSING, TAGS_MISSING, SKEW, PRESENT = 'missing', 'tags missing', 'digest differs', 'present'
SHOWN = 20  # tag names listed per repository and kind in a region's differences


def changed_since(listings, since):
    """Names of tags that some region shows as pushed or moved at or after since."""
    changed = set()
    if since is None:
        return changed
    for tags in listings:
        if tags is not None:
            changed.update(name for name, (_, updated) in tags.entries.items()
                           if updated is not None and updated >= since)
    return changed


class RepositoryComparison:  # pylint: disable=too-few-public-methods
    """One repository in every region read: listings is {region: Tags, or None where the region does not hold
    the repository}; regions that could not be read are left out by the caller."""

    def __init__(self, listings, since=None):
        self.listings = dict(listings)
        held = {region: tags for region, tags in self.listings.items() if tags is not None}
        every = set()
        for tags in held.values():
            every.update(tags.entries)
        self.changed = sorted(changed_since(held.values(), since))
        self.tags = {tag: {region: tags.entries[tag][0] for region, tags in held.items() if tag in tags.entries}
                     for tag in sorted(every)}
        self.missing = {}  # tag -> regions without it
        self.skew = {}     # tag -> {region: digest}
        for tag in sorted(every - set(self.changed)):
            lacking = [region for region, tags in self.listings.items() if tags is None or tag not in tags.entries]
            if lacking:
                self.missing[tag] = lacking
            digests = self.tags[tag]
            if len(set(digests.values())) > 1:
                self.skew[tag] = digests

    def region_state(self, region):
        """'missing' (no such repository there), 'tags missing', 'digest differs' or 'present'."""
        if self.listings.get(region) is None:
            return MISSING
        if any(region in regions for regions in self.missing.values()):
            return TAGS_MISSING
        if any(region in digests for digests in self.skew.values()):
            return SKEW
        return PRESENT


class Delta:  # pylint: disable=too-many-instance-attributes
    """One repository in one region against the home region: counts, and up to SHOWN tag names of each kind."""

    def __init__(self, repository):
        self.repository = repository
        self.at_home = 0         # tags at home that are judged (not changed while reading)
        self.present = 0         # of those, here with the same digest
        self.held = 0            # tags here
        self.missing = []        # at home, not here
        self.extra = []          # here, not at home (deleted at home, still here)
        self.skewed = []         # here with another digest than at home
        self.changed = 0
        self.repository_missing = False
        self.repository_extra = False

    @property
    def differs(self):
        return bool(self.missing or self.extra or self.skewed or self.repository_missing or self.repository_extra)

    def shown(self):
        """The JSON of this repository among a region's differences."""
        names = len(self.missing) + len(self.extra) + len(self.skewed)
        shown = {'repository': self.repository, 'repositoryMissing': self.repository_missing,
                 'repositoryExtra': self.repository_extra, 'missing': self.missing[:SHOWN],
                 'extra': self.extra[:SHOWN], 'skewed': self.skewed[:SHOWN]}
        shown['tagsNotShown'] = names - len(shown['missing']) - len(shown['extra']) - len(shown['skewed'])
        return shown


def against_home(repository, home, here, since=None):
    """Delta of `here` (Tags, or None: the region does not list the repository) against `home` (likewise)."""
    delta = Delta(repository)
    if home is None and here is None:
        return delta
    changed = changed_since([home, here], since)
    delta.changed = len(changed)
    home_tags = {k: v for k, v in home.entries.items() if k not in changed} if home is not None else {}
    here_tags = {k: v for k, v in here.entries.items() if k not in changed} if here is not None else {}
    delta.at_home = len(home_tags)
    delta.held = len(here.entries) if here is not None else 0
    delta.repository_missing = here is None
    delta.repository_extra = home is None
    for tag in sorted(home_tags):
        if tag not in here_tags:
            delta.missing.append(tag)
        elif here_tags[tag][0] != home_tags[tag][0]:
            delta.skewed.append(tag)
        else:
            delta.present += 1
    delta.extra = sorted(tag for tag in here_tags if tag not in home_tags)
    return delta


class Rate:
    """How fast a region catches up: observations (when, tags still to come) from successive reads, the rate
    as the least-squares slope over the last KEEP of them, and the time left at that rate."""
    KEEP = 12

    def __init__(self):
        self.points = []

    def add(self, when, remaining):
        self.points.append((when, remaining))
        del self.points[:-self.KEEP]

    def per_second(self):
        """Tags per second the remainder shrinks by, or None (fewer than two reads, or not shrinking)."""
        if len(self.points) < 2:
            return None
        count = len(self.points)
        mean_t = sum(t for t, _ in self.points) / count
        mean_r = sum(r for _, r in self.points) / count
        spread = sum((t - mean_t) ** 2 for t, _ in self.points)
        if spread <= 0:
            return None
        slope = sum((t - mean_t) * (r - mean_r) for t, r in self.points) / spread
        return -slope if slope < 0 else None

    def seconds_left(self, now):
        """Seconds until nothing remains at the current rate, counted from now, or None."""
        rate = self.per_second()
        if rate is None:
            return None
        when, remaining = self.points[-1]
        return max(0.0, remaining / rate - (now - when))
