# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
# pylint: disable=too-many-instance-attributes,too-many-arguments,too-many-positional-arguments
"""`status --all-repositories`: every region's whole catalog compared with the home region's.

One read (Scan) streams each region's catalog (/acr/v1/_catalog, page by page, on a thread per region, a
few pages ahead) and merges the streams in lexical order (the order ACR lists in; checked), so that each
repository is compared in every region at once and then forgotten: memory holds a few pages of names per
region and the tags of the WINDOW repositories in flight, bounded by the largest repository, not by the
registry. Tag listings run on a pool per region (PER_REGION at once, OVERALL over all regions). A region
that fails (unreachable, throttled beyond the retries, refused) is dropped from the read and reported for
itself while the others go on; the home region failing ends the read (nothing to compare with).

With --wait, reads repeat (follow()) until every region matches home: a pause between them as long as the
read took (at least MIN_PAUSE, at most MAX_PAUSE), the replicas and endpoints read again from ARM before each
one, and for each region still catching up a rate (compare.Rate over the reads) and the time left at it.
"""
import collections
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from azext_acr_replication.images import compare
from azext_acr_replication.images.endpoint import CATALOG_SCOPE, DataPlaneError, repository_scope
from azext_acr_replication.images.listing import registry_since
from azext_acr_replication.images.poller import ERROR, OVERALL, PER_REGION, TERMINAL_KINDS, UNREACHABLE
from azext_acr_replication.images.snapshot import REPLICA_FAILED
from azext_acr_replication.images.report import verdict as error_line, waited_for

WINDOW = 16          # repositories read at once (all their regions)
PAGES_AHEAD = 2      # catalog pages read ahead per region
DIFFERENCES_SHOWN = 100  # repositories listed per region with what differs there
MIN_PAUSE, MAX_PAUSE = 2.0, 60.0  # seconds between reads with --wait
HOME, SAME, DIFFERS = 'home', 'same', 'differs'
SCOPES = [CATALOG_SCOPE]  # the tokens every endpoint needs (the tags' are asked for as the catalog streams in)


class Totals:
    """One region against home, summed over the repositories read."""

    def __init__(self):
        self.repositories = 0
        self.tags = 0
        self.missing_repositories = 0
        self.missing_tags = 0
        self.extra_repositories = 0
        self.extra_tags = 0
        self.skewed = 0
        self.changed = 0
        self.at_home = 0
        self.present = 0
        self.unreadable = 0  # repositories whose tags could not be read here (or at home)
        self.differences = []
        self.more_differences = False
        self._weighted_time = 0.0
        self._weight = 0

    def add(self, delta, when):
        self.repositories += 0 if delta.repository_missing else 1
        self.tags += delta.held
        if delta.repository_missing:
            self.missing_repositories += 1
        if delta.repository_extra:
            self.extra_repositories += 1
        self.missing_tags += len(delta.missing)
        self.extra_tags += len(delta.extra)
        self.skewed += len(delta.skewed)
        self.changed += delta.changed
        self.at_home += delta.at_home
        self.present += delta.present
        self._weighted_time += when * max(1, delta.at_home)
        self._weight += max(1, delta.at_home)
        if delta.differs:
            if len(self.differences) < DIFFERENCES_SHOWN:
                self.differences.append(delta.shown())
            else:
                self.more_differences = True

    @property
    def differs(self):
        return bool(self.missing_tags or self.missing_repositories or self.extra_tags or self.extra_repositories
                    or self.skewed or self.unreadable)

    def read_at(self):
        """When, on average, this region's tags were read (weighted by tags at home): the moment a read that
        took a while stands for."""
        return self._weighted_time / self._weight if self._weight else None


class RegionRead:
    """One region's side of a read: its catalog streaming in on a thread, its tag listings on a pool."""

    def __init__(self, target, client, workers, stop, clock=time.monotonic):
        self._clock = clock
        self.target = target
        self.client = client
        self.totals = Totals()
        self.error = None
        self.unreadable_detail = None  # why the first repository that could not be read was not
        self.refused = False  # a repository here (or at home) was refused: waiting will not change that
        self.first_date = None  # the registry's Date of the catalog's first page
        self.asked_at = None    # when that page was asked for (epoch seconds, this machine's clock)
        self._stop = stop
        self._pages = queue.Queue(maxsize=PAGES_AHEAD)
        self._names = collections.deque()
        self._times = collections.deque()  # when the page of each name in _names was read
        self._last_page_at = None
        self._ended = False
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix='catalog-' + target.location)

    @property
    def location(self):
        return self.target.location

    @property
    def failed(self):
        return self.error is not None

    def start(self):
        threading.Thread(target=self._read_catalog, daemon=True, name='catalog-' + self.location).start()

    def _put(self, item):
        while not self._stop.is_set():
            try:
                self._pages.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _read_catalog(self):
        try:
            self.asked_at = time.time()
            for names, date in self.client.catalog():
                read_at = self._clock()
                # one token request will cover these repositories' tags (want: asked for together)
                self.client.want([repository_scope(name, 'metadata_read') for name in names])
                if not self._put((names, date, read_at)):
                    return
            self._put(None)
        except Exception as error:  # pylint: disable=broad-except
            self._put(error)

    def fail(self, error):
        if self.error is None:
            self.error = error

    def head(self):
        """The next repository this region lists (None at the end, or once it failed)."""
        while not self._names and not self._ended and not self.failed:
            try:
                item = self._pages.get(timeout=0.2)
            except queue.Empty:
                if self._stop.is_set():
                    return None
                continue
            if item is None:
                self._ended = True
            elif isinstance(item, Exception):
                self.fail(item)
            else:
                names, date, read_at = item
                if self.first_date is None:
                    self.first_date = date
                self._names.extend(names)
                self._times.extend([read_at] * len(names))
                self._last_page_at = read_at
        return self._names[0] if self._names and not self.failed else None

    def pop(self):
        self._names.popleft()
        self._times.popleft()

    def absent_since(self):
        """When this region's catalog said it lacks the repository the merge is at: the time the page that
        holds its next name (or its last page) was read; what a syncing replica's progress is dated by."""
        return self._times[0] if self._times else self._last_page_at

    def submit(self, repository):
        return self._pool.submit(self._tags, repository)

    def _tags(self, repository):
        if self.failed or self._stop.is_set():
            return None, self._clock()
        try:
            return self.client.tags(repository), self._clock()
        finally:
            self.client.forget([repository_scope(repository, 'metadata_read')])

    def close(self):
        self._pool.shutdown(wait=False, cancel_futures=True)


class Scan:
    """One read of every region's catalog against home's. run() -> self; then per region: totals, error."""

    def __init__(self, home, others, client_for, stop=None, on_progress=None, clock=time.monotonic, began_at=None):
        """home, others: watch.Target (others only those that can be read); client_for(host) -> the endpoint
        client; stop: an Event that ends the read early (the command's deadline); began_at: when this read began
        (epoch seconds): tags pushed or moved after it are set aside, not judged."""
        self._stop = stop or threading.Event()
        workers = max(1, min(PER_REGION, OVERALL // (1 + len(others))))
        self.home = RegionRead(home, client_for(home.endpoint), workers, self._stop, clock)
        self.others = [RegionRead(t, client_for(t.endpoint), workers, self._stop, clock) for t in others]
        self.on_progress = on_progress
        self.clock = clock
        self.began_at = time.time() if began_at is None else began_at
        self.since = None
        self.read = 0  # repositories read
        self.started = self.finished = None
        self.interrupted = False

    @property
    def regions(self):
        return [self.home] + self.others

    def run(self):
        self.started = self.clock()
        for region in self.regions:
            region.start()
        inflight = collections.deque()
        try:
            while not self._stop.is_set():
                heads = {region: region.head() for region in self.regions if not region.failed}
                if self.since is None:
                    self.since = registry_since(self.began_at, [(r.first_date, r.asked_at) for r in self.regions])
                if self.home.failed:
                    break
                names = [name for name in heads.values() if name is not None]
                if not names:
                    break
                name = min(names)
                holders = [region for region, head in heads.items() if head == name]
                for region in holders:
                    region.pop()
                absent = {region: region.absent_since() for region in self.others if region not in holders}
                inflight.append((name, {region: region.submit(name) for region in holders}, absent))
                while len(inflight) >= WINDOW:
                    self._fold(*inflight.popleft())
            while inflight and not self._stop.is_set():
                self._fold(*inflight.popleft())
            self.interrupted = self._stop.is_set()
        finally:
            self._stop.set()  # catalog threads stop reading ahead
            for region in self.regions:
                region.close()
        self.finished = self.clock()
        return self

    def _result(self, region, futures):
        """(Tags or None, when read) for region; a failure of the whole region drops it, one of a repository
        counts that repository as unreadable there."""
        future = futures.get(region)
        if future is None:
            return None, None
        try:
            return future.result()
        except DataPlaneError as error:
            if error.kind in ('unreachable', 'throttled', 'unauthorized', 'forbidden'):
                region.fail(error)
            raise
        except Exception as error:  # pylint: disable=broad-except
            raise DataPlaneError('error', f'{type(error).__name__}: {error}') from None

    def _fold(self, name, futures, absent):
        try:
            home, home_read = self._result(self.home, futures)
        except DataPlaneError as error:
            if self.home.failed:
                return
            for region in self.others:
                region.totals.unreadable += 1
                region.unreadable_detail = region.unreadable_detail or f'{name} at home: {error}'
                region.refused = region.refused or error.kind in TERMINAL_KINDS
            return
        if home is not None:
            self.home.totals.repositories += 1
            self.home.totals.tags += len(home)
        for region in self.others:
            if region.failed:
                continue
            try:
                here, read = self._result(region, futures)
            except DataPlaneError as error:
                if not region.failed:
                    region.totals.unreadable += 1
                    region.unreadable_detail = region.unreadable_detail or f'{name}: {error}'
                    region.refused = region.refused or error.kind in TERMINAL_KINDS
                continue
            delta = compare.against_home(name, home, here, self.since)
            region.totals.add(delta, read or absent.get(region) or home_read or self.clock())
        self.read += 1
        if self.on_progress:
            self.on_progress(self)


def progress_of(totals, rate=None, now=None):
    """The JSON of a region's progress: tags present (same digest) of the tags at home, percent, and with a
    rate (compare.Rate, --wait) tags per minute and seconds left."""
    percent = 100.0 if not totals.at_home else round(100.0 * totals.present / totals.at_home, 1)
    per_second = rate.per_second() if rate else None
    left = None
    if rate and now is not None:
        left = 0 if totals.present >= totals.at_home else rate.seconds_left(now)
    return {'tagsPresent': totals.present, 'tagsAtHome': totals.at_home, 'percent': percent,
            'tagsPerMinute': round(per_second * 60, 1) if per_second is not None else None,
            'secondsLeft': round(left) if left is not None else None}


def region_json(target, replica_status, read=None, rate=None, now=None, home=False):
    """A region's entry in the JSON: what its read found, or why it was not read (target.blocked)."""
    entry = {'region': target.location, 'replica': target.replica, 'endpoint': target.endpoint,
             'replicaStatus': replica_status, 'state': None, 'repositories': None, 'tags': None,
             'missing': None, 'extra': None, 'skewed': None, 'changedWhileReading': None, 'progress': None,
             'differences': [], 'differencesTruncated': False, 'detail': None}
    if read is None:
        entry['state'] = target.blocked or 'not read'
        return entry
    totals = read.totals
    entry.update({'repositories': totals.repositories, 'tags': totals.tags})
    if read.failed:
        entry['state'] = UNREACHABLE if getattr(read.error, 'kind', None) == 'unreachable' else ERROR
        entry['detail'] = str(read.error)
        if home:
            return entry
    if home:
        entry['state'] = HOME
        return entry
    entry.update({
        'missing': {'repositories': totals.missing_repositories, 'tags': totals.missing_tags},
        'extra': {'repositories': totals.extra_repositories, 'tags': totals.extra_tags},
        'skewed': totals.skewed, 'changedWhileReading': totals.changed,
        'progress': progress_of(totals, rate, now),
        'differences': totals.differences, 'differencesTruncated': totals.more_differences})
    if not read.failed:
        entry['state'] = DIFFERS if totals.differs else SAME
        if totals.unreadable:
            entry['detail'] = f'{totals.unreadable} repositories could not be read ({read.unreadable_detail})'
    return entry


# --- the command: one read, or reads until every region matches home ------------------------------------
def _short_time(seconds):
    if seconds is None:
        return None
    seconds = int(round(seconds))
    if seconds < 300:
        return f'{seconds}s'
    if seconds < 5400:
        return f'{seconds // 60}m'
    if seconds < 172800:
        return f'{seconds // 3600}h {seconds % 3600 // 60}m'
    return f'{seconds // 86400}d {seconds % 86400 // 3600}h'


def progress_text(progress):
    """'40.2%, 15.3 tags/min, about 2m left' for a region's progress JSON."""
    if not progress:
        return ''
    text = f"{progress['percent']}%"
    if progress.get('tagsPerMinute') is not None:
        text += f", {progress['tagsPerMinute']} tags/min"
    if progress.get('secondsLeft') is not None and progress['tagsPresent'] < progress['tagsAtHome']:
        text += f", about {_short_time(progress['secondsLeft'])} left"
    return text


def result_of(layout, scan, rates=None, now=None):
    """The JSON `status --all-repositories` prints for one read. layout: the snapshot.Snapshot it read."""
    reads = {read.location: read for read in scan.regions} if scan else {}
    regions = [region_json(t, layout.statuses.get(t.location), reads.get(t.location), (rates or {}).get(t.location),
                           now, home=t.location == layout.home) for t in layout.targets]
    home = reads.get(layout.home)
    complete = bool(scan) and not scan.interrupted and not home.failed and \
        all(r['state'] in (HOME, SAME) and not r['changedWhileReading'] for r in regions)
    return {'registry': layout.name, 'complete': complete, 'homeRegion': layout.home,
            'repositoriesAtHome': home.totals.repositories if home else None,
            'tagsAtHome': home.totals.tags if home else None, 'regions': regions}


def _terminal(entry, reads):
    read = reads.get(entry['region'])
    if entry['state'] == REPLICA_FAILED:
        return True
    return read is not None and (getattr(read.error, 'kind', None) in TERMINAL_KINDS or read.refused)


def stuck(result, scan):
    """Every region that does not match home is in a state waiting will not change (replica failed, refused)."""
    reads = {read.location: read for read in scan.regions} if scan else {}
    lacking = [r for r in result['regions'] if r['state'] not in (HOME, SAME)]
    return bool(lacking) and all(_terminal(r, reads) for r in lacking)


def verdict(result, scan, timed_out_after=None, is_stuck=False):
    """(the one error line, exit code 1) when some region does not hold what home holds; None when all do."""
    if result['complete']:
        return None
    home = result['homeRegion']
    home_read = next((r for r in scan.regions if r.location == home), None) if scan else None
    if home_read is not None and getattr(home_read.error, 'kind', None) == 'denied':
        return str(home_read.error), 1  # registry-wide: the one line saying which role is needed
    if home_read is None or home_read.failed:
        why = str(home_read.error) if home_read is not None else next(
            (r['state'] for r in result['regions'] if r['region'] == home), 'not read')
        return f"Could not read the home region ({home}): {why}. There is nothing to compare the replicas with.", 1
    refusals = {str(r.error) for r in scan.regions if getattr(r.error, 'kind', None) == 'denied'}
    pieces = []
    for entry in result['regions']:
        if entry['state'] == SAME and entry['changedWhileReading']:
            pieces.append(f"{entry['region']}: {entry['changedWhileReading']} tags pushed or moved while the command "
                          "read them, not judged (run again, or add --wait)")
        if entry['state'] in (HOME, SAME):
            continue
        if entry['state'] == DIFFERS:
            counts = []
            if entry['missing']['tags'] or entry['missing']['repositories']:
                counts.append(f"{entry['missing']['tags']} tags missing"
                              + (f" ({entry['missing']['repositories']} repositories)"
                                 if entry['missing']['repositories'] else ''))
            if entry['extra']['tags'] or entry['extra']['repositories']:
                counts.append(f"{entry['extra']['tags']} extra (deleted at home)")
            if entry['skewed']:
                counts.append(f"{entry['skewed']} with another digest")
            if entry['detail']:
                counts.append(entry['detail'])
            text = ', '.join(counts)
            if entry['replicaStatus'] == 'Syncing':
                text += f" (Syncing: {progress_text(entry['progress'])})"
            pieces.append(f"{entry['region']}: {text}")
        elif str(entry['detail']) not in refusals or len(refusals) > 1:
            pieces.append(f"{entry['region']}: {entry['state']}" + (f" ({entry['detail']})" if entry['detail'] else ''))
    if refusals and len(refusals) == 1:
        pieces.append(refusals.pop())
    if scan.interrupted:
        pieces.append(f'read {scan.read} repositories before the time ran out')
    return error_line(f'the same as the home region ({home})', '; '.join(pieces), stuck=is_stuck,
                      timed_out_after=timed_out_after)


def follow(snapshot, client_for, wait, deadline, on_progress=None, on_read=None):
    """Read once, or with wait until every region matches home, the deadline passes, or waiting cannot help.
    snapshot: the registry as read (snapshot.Snapshot), read again before each further read; deadline: the command's
    Deadline (its clock and pauses). on_progress(scan, rates) while reading; on_read(result) after each read.
    Returns (result, failure)."""
    rates = {}
    clock = deadline.clock
    pause = threading.Event()
    layout = None
    while True:
        layout = snapshot if layout is None else layout.refreshed()
        home = layout.home_target
        scan = None
        if home.endpoint and home.blocked is None:
            stop = threading.Event()
            timer = threading.Timer(max(0.0, deadline.remaining()), stop.set) if wait else None
            if timer:
                timer.daemon = True
                timer.start()
            try:
                scan = Scan(home, [t for t in layout.targets if t is not home and t.blocked is None], client_for,
                            stop=stop, on_progress=(lambda s: on_progress(s, rates)) if on_progress else None,
                            clock=clock).run()
            finally:
                if timer:
                    timer.cancel()
            if not scan.interrupted:
                for read in scan.others:
                    if not read.failed and read.totals.read_at() is not None:
                        rates.setdefault(read.location, compare.Rate()).add(
                            read.totals.read_at(), read.totals.at_home - read.totals.present)
        result = result_of(layout, scan, rates if wait else None, clock())
        if on_read:
            on_read(result)
        if not wait:
            return result, verdict(result, scan)
        if result['complete']:
            return waited_for(result, deadline.elapsed(), False), None
        if stuck(result, scan):
            return waited_for(result, deadline.elapsed(), False), verdict(result, scan, is_stuck=True)
        took = (scan.finished - scan.started) if scan else 0.0
        if deadline.expired or not deadline.allows(MIN_PAUSE):
            return waited_for(result, deadline.elapsed(), True), verdict(result, scan,
                                                                         timed_out_after=deadline.elapsed())
        deadline.pause(pause, min(MAX_PAUSE, max(MIN_PAUSE, took), deadline.remaining()))
