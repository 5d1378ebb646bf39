# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
# pylint: disable=too-many-positional-arguments,too-many-arguments,too-few-public-methods
"""Is every image in every replica yet? Checks all regions at once and, with wait, keeps following the
registry: replicas still being created (ARM GET of each), replicas created after the wait began (a re-list
every RELIST_EVERY seconds, and one more before declaring success), and each replica's endpoint once it
has one (a re-read of the registry).

Plain Python over check(target, image) and an ARM view (replica(name), replicas(), endpoints()):
unit-testable with fakes and a fast clock. Each region runs on its own thread, so one that hangs is
reported for itself while the others are reported on time.
"""
import threading
import time

from azext_acr_replication.arm.errors import retry_after as arm_retry_after
from azext_acr_replication.arm.polling import Backoff

PRESENT, MISSING, SKEW = 'present', 'missing', 'digest differs'
CREATING, DELETING, REPLICA_FAILED = 'replica creating', 'replica deleting', 'replica failed'
NO_ENDPOINT, UNREACHABLE, ERROR = 'no regional endpoint', 'unreachable', 'error'
NOT_CHECKED = 'not checked yet'
ANSWER_BOUND = 30  # seconds a region may take to answer one round before it is reported unreachable
# --wait polls each region 0.5 s, 0.75 s, ... apart, at most FAST_CAP for the first FAST_FOR seconds of asking
# it (most images arrive within them, and the command should return soon after), then at most SLOW_CAP. A
# replica being created is read from ARM every FOLLOW_EVERY for FAST_FOR seconds, then backing off to
# SLOW_CAP: the image can reach it as soon as it is provisioned.
FAST_CAP, FAST_FOR, SLOW_CAP = 1.5, 120, 5.0
FOLLOW_EVERY = 1.0
RELIST_EVERY = 12     # seconds between re-lists of the replicas while waiting (replicas created meanwhile)
LAST_LIST_BOUND = 3   # seconds the re-list made before declaring every region done may take
TICK = 0.1            # how often the verdict is looked at
PER_REGION = 4        # requests at once per region (images or repositories of one endpoint)
OVERALL = 32          # ... and over every region
# answers that waiting does not change: a firewall's 403, an identity that may not pull
TERMINAL_KINDS = ('forbidden', 'denied')


class Clock:
    """Time for the watch: now() and pause(event, seconds) -> True when the event was set. Tests pass a
    faster one."""

    @staticmethod
    def now():
        return time.monotonic()

    @staticmethod
    def pause(event, seconds):
        return event.wait(seconds)


class Target:
    """One replica: where it is, how ARM says it is doing, and its regional endpoint (or None)."""

    def __init__(self, replica, location, provisioning_state, endpoint):
        self.replica = replica
        self.location = location
        self.provisioning_state = provisioning_state
        self.endpoint = endpoint
        self.removed = False

    @property
    def blocked(self):
        """Why this replica cannot be asked yet (a state), or None."""
        state = self.provisioning_state
        if state == 'Creating':
            return CREATING
        if state == 'Deleting':
            return DELETING
        if state in ('Failed', 'Canceled'):
            return REPLICA_FAILED
        if not self.endpoint:
            return NO_ENDPOINT
        return None


class Observation:  # pylint: disable=too-many-instance-attributes
    def __init__(self, state, digest=None, detail=None, retry_after=None, terminal=False, kind=None, listing=None):
        self.state = state
        self.digest = digest
        self.detail = detail
        self.retry_after = retry_after
        self.terminal = terminal  # waiting will not change it
        self.kind = kind  # a DataPlaneError's kind
        self.listing = listing  # what a repository's check read (listing.Tags)


class Board:
    """The newest observation per (region, image), and when each image first showed up in each region.
    Regions come and go while waiting (replicas created or deleted meanwhile)."""

    def __init__(self, targets, images):
        self.targets = []
        self.images = images
        self._lock = threading.RLock()
        self.seen = {}
        self.arrived = {}
        for target in targets:
            self.add(target)

    def add(self, target):
        """False when a replica in that region is already on the board."""
        with self._lock:
            if any(t.location == target.location for t in self.targets):
                return False
            self.targets.append(target)
            for image in self.images:
                self.seen[(target.location, str(image))] = _blocked_observation(target) or Observation(NOT_CHECKED)
            return True

    def remove(self, target):
        with self._lock:
            target.removed = True
            if target in self.targets:
                self.targets.remove(target)
            for image in self.images:
                self.seen.pop((target.location, str(image)), None)
                self.arrived.pop((target.location, str(image)), None)

    def current(self):
        with self._lock:
            return list(self.targets)

    def record(self, target, image, observation, elapsed):
        with self._lock:
            if target.removed:
                return
            self.seen[(target.location, str(image))] = observation
            if observation.state == PRESENT and (target.location, str(image)) not in self.arrived:
                self.arrived[(target.location, str(image))] = round(elapsed, 1)

    def mark(self, target, observation, elapsed):
        """The same observation (a replica's state) for every image in that region."""
        for image in self.images:
            self.record(target, image, observation, elapsed)

    def observation(self, target, image):
        with self._lock:
            return self.seen[(target.location, str(image))]

    def digests(self, image):
        with self._lock:
            return sorted({o.digest for (_, name), o in self.seen.items() if name == str(image) and o.digest})

    def settled(self, target, image):
        """Nothing more to learn here: present, and every region agrees on the digest so far."""
        return self.observation(target, image).state == PRESENT and len(self.digests(image)) <= 1

    def state(self, target, image):
        observation = self.observation(target, image)
        if observation.state == PRESENT and len(self.digests(image)) > 1:
            return SKEW
        return observation.state

    def complete(self):
        with self._lock:
            return all(self.state(t, i) == PRESENT for t in self.targets for i in self.images)

    def nowhere(self):
        """Images every region answered 'missing' for: a typo, or not pushed."""
        found = []
        with self._lock:
            for image in self.images:
                states = [self.state(t, image) for t in self.targets]
                if states and all(s == MISSING for s in states if s not in (CREATING, DELETING, REPLICA_FAILED,
                                                                            NO_ENDPOINT)) and MISSING in states:
                    found.append(image)
        return found

    def stuck(self):
        """Something is still missing and every region that lacks something is in a state waiting will not
        change (replica failed, a firewall's 403, no pull permission)."""
        with self._lock:
            lacking = [(t, i) for t in self.targets for i in self.images if self.state(t, i) != PRESENT]
            return bool(lacking) and all(self.observation(t, i).terminal for t, i in lacking)

    def pending(self, image):
        with self._lock:
            return [t for t in self.targets if self.state(t, image) != PRESENT]


def _blocked_observation(target):
    blocked = target.blocked
    if blocked is None:
        return None
    return Observation(blocked, terminal=blocked == REPLICA_FAILED)


class Watch:  # pylint: disable=too-many-instance-attributes
    """Checks every target x image; with wait, until complete, stuck, or timeout.

    arm (only used with wait): replica(name) -> provisioning state or None when it is gone; replicas() ->
    [(name, location, provisioning state)], home included; endpoints() -> {region: host}, read afresh."""

    def __init__(self, targets, images, check, wait=False, timeout=3600, clock=None, answer_bound=ANSWER_BOUND,
                 on_progress=None, arm=None, relist_every=RELIST_EVERY, board_class=None):
        """check(target, image) -> a digest, None (not there), or an Observation; board_class: a Board that
        judges such observations its own way (repositories.py)."""
        self.board = (board_class or Board)(targets, images)
        self.images, self.check = images, check
        self.wait, self.timeout = wait, timeout
        self.clock = clock or Clock()
        self.answer_bound = answer_bound
        self.on_progress = on_progress
        self.arm = arm if wait else None
        self.relist_every = relist_every
        self.started = None
        self.timed_out = False
        self.stuck = False
        self._stop = threading.Event()
        self._never = threading.Event()
        self._threads = {}  # region -> its thread
        self._asked_since = {}  # region -> when its endpoint was first asked
        self._answered = set()  # regions that answered every image at least once
        self._last_answer = {}  # region -> when it last answered anything
        self._overall = threading.BoundedSemaphore(OVERALL)
        self._endpoints = (None, {})  # (when the read began, region -> host)
        self._endpoints_lock = threading.Lock()
        self._relist_lock = threading.Lock()

    def elapsed(self):
        return self.clock.now() - self.started

    # --- one region ---------------------------------------------------------------------------------
    def _check(self, target, image):
        from azext_acr_replication.images.endpoint import DataPlaneError
        try:
            digest = self.check(target, image)
            if isinstance(digest, Observation):
                return digest
        except DataPlaneError as error:
            return Observation(UNREACHABLE if error.kind == 'unreachable' else ERROR, detail=str(error),
                               retry_after=error.retry_after, terminal=error.kind in TERMINAL_KINDS,
                               kind=error.kind)
        except Exception as error:  # pylint: disable=broad-except
            return Observation(ERROR, detail=f'{type(error).__name__}: {error}')
        return Observation(PRESENT, digest=digest) if digest else Observation(MISSING)

    def _check_each(self, target, images):
        """Ask target's endpoint about images, PER_REGION at once, recording each answer as it comes;
        [(image, observation)]. Daemon threads: a region that hangs never holds up the command's exit."""
        pending, results, lock = list(images), [], threading.Lock()

        def work():
            while not self._stop.is_set() and not target.removed:
                with lock:
                    if not pending:
                        return
                    image = pending.pop(0)
                with self._overall:
                    observation = self._check(target, image)
                self.board.record(target, image, observation, self.elapsed())
                self._last_answer[target.location] = self.clock.now()
                with lock:
                    results.append((image, observation))
        workers = [threading.Thread(target=work, daemon=True, name=f'status-{target.location}-{n}')
                   for n in range(min(PER_REGION, len(pending)))]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return results

    def _ask(self, target):
        """Ask the endpoint for every image; with wait, again and again (settled images are skipped)."""
        backoff = Backoff(first=0.5, factor=1.5, cap=FAST_CAP)
        began = self.clock.now()
        self._asked_since.setdefault(target.location, began)
        todo = list(self.images)
        while not self._stop.is_set() and not target.removed:
            results = self._check_each(target, [image for image in todo
                                                if not (self.wait and self.board.settled(target, image))])
            if self._stop.is_set() or target.removed:
                return
            throttled = [image for image, observation in results if observation.retry_after]
            pause = max((o.retry_after for _, o in results if o.retry_after), default=None)
            if not self.wait:
                # one round, but a throttled answer is asked again when the registry's Retry-After ends within
                # the bound a region has to answer (a gate without --wait must not fail on one 429)
                if not throttled or self.elapsed() + pause >= self.answer_bound - 1:
                    self._answered.add(target.location)
                    return
                todo = throttled
                self.clock.pause(self._stop, pause)
                continue
            self._answered.add(target.location)
            if self.clock.now() - began > FAST_FOR:
                backoff.cap = SLOW_CAP
            self.clock.pause(self._stop, pause if pause is not None else backoff.next())

    def _follow(self, target):
        """GET a replica being created (or deleted) until it is something else: every second, as `wait` starts.
        False when there is nothing to ask: it is gone, or the watch is over."""
        backoff = Backoff(first=FOLLOW_EVERY, factor=1.5, cap=FOLLOW_EVERY)
        began = self.clock.now()
        while target.blocked in (CREATING, DELETING):
            if self.clock.now() - began > FAST_FOR:
                backoff.cap = SLOW_CAP
            if self.clock.pause(self._stop, backoff.next()) or target.removed:
                return False
            try:
                state = self.arm.replica(target.replica)
            except Exception as error:  # pylint: disable=broad-except
                # the client's own retries are spent: ask again later (when ARM said), as long as the watch lasts
                if self.clock.pause(self._stop, arm_retry_after(error) or 0):
                    return False
                continue
            if state is None:
                self.board.remove(target)
                return False
            target.provisioning_state = state
        return True

    def _endpoint(self, target, since):
        """The replica's regional endpoint from a registry read that began at `since` or later (one read
        serves every region that asks meanwhile); None when the watch ended first."""
        backoff = Backoff(first=1.0, factor=1.5, cap=SLOW_CAP)
        while not self._stop.is_set():
            with self._endpoints_lock:
                read_at, endpoints = self._endpoints
                if read_at is None or read_at < since:
                    began = self.clock.now()
                    try:
                        endpoints = self.arm.endpoints()
                        self._endpoints = (began, endpoints)
                    except Exception:  # pylint: disable=broad-except
                        endpoints = None
            if endpoints is not None:
                return endpoints.get(target.location)
            self.clock.pause(self._stop, backoff.next())
        return None

    def _region(self, target, fresh):
        """One region, on its own thread. fresh: it appeared after the registry was read."""
        blocked = _blocked_observation(target)
        if blocked:
            self.board.mark(target, blocked, self.elapsed())
        if self.arm is not None:
            if target.blocked in (CREATING, DELETING) and not self._follow(target):
                return
            if target.blocked == REPLICA_FAILED:
                self.board.mark(target, _blocked_observation(target), self.elapsed())
                return  # a re-list notices if someone re-creates it
            if fresh or not target.endpoint:  # a replica that appeared, or became Succeeded without a host name
                target.endpoint = self._endpoint(target, self.clock.now())
                if not target.endpoint:
                    self.board.mark(target, Observation(NO_ENDPOINT), self.elapsed())
                    return  # a re-list tries again
        if target.blocked is None:
            self._ask(target)

    def _start(self, target, fresh=False):
        thread = threading.Thread(target=self._region, args=(target, fresh), daemon=True,
                                  name='status-' + target.location)
        self._threads[target.location] = thread
        thread.start()

    def _running(self, target):
        thread = self._threads.get(target.location)
        return thread is not None and thread.is_alive()

    # --- the replicas --------------------------------------------------------------------------------
    def _relist(self):
        """Add replicas created since the last look, restart regions whose replica changed, drop deleted
        ones. True when there is something new to wait for."""
        with self._relist_lock:
            try:
                listed = self.arm.replicas()
            except Exception:  # pylint: disable=broad-except
                return False
            known = {t.location: t for t in self.board.current()}
            changed = False
            for name, location, state in listed:
                target = known.pop(location, None)
                if target is None:
                    target = Target(name, location, state, None)
                    if self.board.add(target):
                        self._start(target, fresh=True)
                        changed = True
                elif not self._running(target) and (state != target.provisioning_state or
                                                    target.blocked == NO_ENDPOINT):
                    target.provisioning_state = state  # e.g. a Failed replica created again
                    self._start(target, fresh=True)
                    changed = True
            for target in known.values():  # not listed: gone, if its GET agrees (a list can lag)
                try:
                    if self.arm.replica(target.replica) is None:
                        self.board.remove(target)
                except Exception:  # pylint: disable=broad-except
                    pass
            return changed

    def _relist_every_while(self):
        while not self.clock.pause(self._stop, self.relist_every):
            self._relist()

    def _last_look(self):
        """Before saying every region has it: one more list (bounded), for replicas created meanwhile."""
        done, found = threading.Event(), []

        def look():
            found.append(self._relist())
            done.set()
        threading.Thread(target=look, daemon=True, name='status-last-list').start()
        self.clock.pause(done, LAST_LIST_BOUND)
        return bool(found and found[0])

    # --- the whole ---------------------------------------------------------------------------------------
    def _finished(self):
        """Stop looking now? Sets stuck when nothing that is missing can arrive by waiting."""
        if not self.wait:
            return not any(self._running(target) for target in self.board.current())
        if self.board.complete():
            return self.arm is None or not self._last_look()
        if self.board.nowhere():
            return True  # an image in no region at all: a typo or not pushed, not worth waiting for
        self.stuck = self.board.stuck()
        return self.stuck

    def _still_answering(self):
        """A region still asking that answered within the answer bound: slow (many images, a far region), not
        unreachable; worth waiting for."""
        now = self.clock.now()
        return any(self._running(target) and now - self._last_answer.get(target.location, -1e9) < self.answer_bound
                   for target in self.board.current())

    def run(self):
        """Return the board; wait (poll) if asked. Never raises for what a region or ARM answered."""
        self.started = self.clock.now()
        for target in self.board.current():
            if self.arm is not None or target.blocked is None:
                self._start(target)
        if self.arm is not None:
            threading.Thread(target=self._relist_every_while, daemon=True, name='status-relist').start()
        deadline = self.started + (self.timeout if self.wait else self.answer_bound)
        try:
            while True:
                if self.on_progress:
                    self.on_progress(self.board, self.elapsed())
                if self._finished():
                    break
                if self.clock.now() >= deadline:
                    if not self.wait and self._still_answering():
                        deadline = self.clock.now() + TICK
                        continue
                    self.timed_out = self.wait
                    break
                self.clock.pause(self._never, TICK)
        finally:
            self._stop.set()
        now = self.clock.now()
        for target in self.board.current():  # a region still inside its first request: say so, do not wait
            if target.location in self._asked_since and target.location not in self._answered:
                for image in self.images:
                    if self.board.state(target, image) == NOT_CHECKED:
                        self.board.record(target, image, Observation(
                            UNREACHABLE, detail=f'no answer within {int(now - self._asked_since[target.location])} s'),
                            now - self.started)
        return self.board
