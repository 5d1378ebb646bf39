# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
# pylint: disable=too-many-instance-attributes
"""Ask every region a probe's questions at once (an artifact, a repository), and with wait keep asking while
following the registry: replicas being created (ARM GET of each), replicas created after the wait began (a re-list
every RELIST_EVERY seconds, and one more before saying every region has everything), and each replica's endpoint
once it has one (a re-read of the registry).

Each region runs on its own thread (PER_REGION questions at once there, OVERALL over every region), so one that
hangs is reported for itself while the others are reported on time. Time is the command's Deadline (its clock
and its pauses): a test gives it a faster one. What the answers mean is the probe's: the Board only holds them.
"""
import threading

from azext_acr_replication.arm.errors import retry_after as arm_retry_after
from azext_acr_replication.arm.polling import Backoff
from azext_acr_replication.images.snapshot import CREATING, DELETING, NO_ENDPOINT, REPLICA_FAILED, Target

PRESENT, MISSING, SKEW = 'present', 'missing', 'digest differs'
UNREACHABLE, ERROR, NOT_CHECKED = 'unreachable', 'error', 'not checked yet'
BLOCKED = (CREATING, DELETING, REPLICA_FAILED, NO_ENDPOINT)
ANSWER_BOUND = 30  # seconds a region may take to answer one round before it is reported unreachable
# --wait asks each region again 0.5 s, 0.75 s, ... apart, at most FAST_CAP for the first FAST_FOR seconds of asking
# it (most content arrives within them, and the command should return soon after), then at most SLOW_CAP. A replica
# being created is read from ARM every FOLLOW_EVERY for FAST_FOR seconds, then backing off to SLOW_CAP: content can
# reach it as soon as it is provisioned.
FAST_CAP, FAST_FOR, SLOW_CAP = 1.5, 120, 5.0
FOLLOW_EVERY = 1.0
RELIST_EVERY = 12     # seconds between re-lists of the replicas while waiting (replicas created meanwhile)
LAST_LIST_BOUND = 3   # seconds the re-list made before declaring every region done may take
TICK = 0.1            # how often the verdict is looked at
PER_REGION = 4        # questions at once per region (items of one endpoint)
OVERALL = 32          # ... and over every region
# answers that waiting does not change: a firewall's 403, an identity that may not pull
TERMINAL_KINDS = ('forbidden', 'denied')


class Observation:  # pylint: disable=too-many-arguments,too-many-positional-arguments,too-few-public-methods
    """One region's answer about one item. A probe may add what it found (digest, listing, parts...)."""

    def __init__(self, state, digest=None, detail=None, retry_after=None, terminal=False, kind=None, **found):
        self.state = state
        self.digest = digest
        self.detail = detail
        self.retry_after = retry_after
        self.terminal = terminal  # waiting will not change it
        self.kind = kind  # a DataPlaneError's kind
        self.found = found

    def __getattr__(self, name):
        found = self.__dict__.get('found') or {}
        if name in found:
            return found[name]
        raise AttributeError(name)


def failed(error):
    """The Observation of a check that got no answer (a DataPlaneError)."""
    return Observation(UNREACHABLE if error.kind == 'unreachable' else ERROR, detail=str(error),
                       retry_after=error.retry_after, terminal=error.kind in TERMINAL_KINDS, kind=error.kind)


def blocked_observation(target):
    blocked = target.blocked
    if blocked is None:
        return None
    return Observation(blocked, terminal=blocked == REPLICA_FAILED)


class Board:
    """The newest observation per (region, item), and when each item was first complete in each region. Regions come
    and go while waiting (replicas created or deleted meanwhile). `version` grows with every change."""

    def __init__(self, targets, items):
        self.targets = []
        self.items = list(items)
        self.lock = threading.RLock()
        self.seen = {}
        self.arrived = {}
        self.version = 0
        for target in targets:
            self.add(target)

    def add(self, target):
        """False when a replica in that region is already on the board."""
        with self.lock:
            if any(t.location == target.location for t in self.targets):
                return False
            self.targets.append(target)
            for item in self.items:
                self.seen[(target.location, str(item))] = blocked_observation(target) or Observation(NOT_CHECKED)
            self.version += 1
            return True

    def remove(self, target):
        with self.lock:
            target.removed = True
            if target in self.targets:
                self.targets.remove(target)
            for item in self.items:
                self.seen.pop((target.location, str(item)), None)
                self.arrived.pop((target.location, str(item)), None)
            self.version += 1

    def current(self):
        with self.lock:
            return list(self.targets)

    def record(self, target, item, observation, elapsed):
        with self.lock:
            if target.removed:
                return
            self.seen[(target.location, str(item))] = observation
            if observation.state == PRESENT and (target.location, str(item)) not in self.arrived:
                self.arrived[(target.location, str(item))] = round(elapsed, 1)
            self.version += 1

    def mark(self, target, observation, elapsed):
        """The same observation (a replica's state) for every item in that region."""
        for item in self.items:
            self.record(target, item, observation, elapsed)

    def observation(self, target, item):
        with self.lock:
            return self.seen[(target.location, str(item))]

    def observations(self, item):
        """[(target, observation)] of every region for one item."""
        with self.lock:
            return [(t, self.seen[(t.location, str(item))]) for t in self.targets]


class Probe:
    """What one question asks each region, and what the answers mean. Subclasses give items, scopes (the tokens
    every endpoint will need) and check(); the judgements here are those of a question whose answer in a region
    is 'present' or not, with states waiting cannot change marked terminal."""
    items = ()
    scopes = ()

    def check(self, target, item):
        """One region's answer about one item: an Observation (raise DataPlaneError for no answer)."""
        raise NotImplementedError

    def state(self, board, target, item):
        return board.observation(target, item).state

    def settled(self, board, target, item):
        """Nothing more to learn about item in that region by asking again."""
        return self.state(board, target, item) == PRESENT

    def complete(self, board):
        with board.lock:
            return all(self.state(board, t, i) == PRESENT for t in board.targets for i in board.items)

    def nowhere(self, board):
        """Items no region holds, once every region that can be asked has answered: a typo, or not pushed."""
        found = []
        with board.lock:
            for item in board.items:
                states = [board.observation(t, item).state for t in board.targets]
                answered = [s for s in states if s not in BLOCKED]
                if answered and NOT_CHECKED not in answered and all(s == MISSING for s in answered):
                    found.append(item)
        return found

    def stuck(self, board):
        """Something is still missing and every region that lacks something is in a state waiting will not change
        (replica failed, a firewall's 403, no pull permission)."""
        with board.lock:
            lacking = [(t, i) for t in board.targets for i in board.items if self.state(board, t, i) != PRESENT]
            return bool(lacking) and all(board.observation(t, i).terminal for t, i in lacking)

    def refresh(self, board):  # pylint: disable=unused-argument
        """While waiting: learn again what must be held (a probe whose items can change); True when it changed."""
        return False

    def pending(self, board, item):
        with board.lock:
            return [t for t in board.targets if self.state(board, t, item) != PRESENT]


class RegionPoller:  # pylint: disable=too-many-arguments,too-many-positional-arguments
    """Asks every target about every item of a probe; with wait, until complete, stuck, or the deadline.

    snapshot (images.snapshot.Snapshot): the targets, and with wait what ARM is asked again. deadline: the command's
    Deadline (its clock and pauses); without wait a region has answer_bound seconds to answer."""

    def __init__(self, snapshot, probe, deadline, wait=False, answer_bound=ANSWER_BOUND, on_progress=None,
                 relist_every=RELIST_EVERY):
        self.snapshot = snapshot
        self.probe = probe
        self.board = Board(snapshot.targets, probe.items)
        self.deadline = deadline
        self.wait = wait
        self.answer_bound = answer_bound
        self.on_progress = on_progress
        self.follow_arm = wait and snapshot.reads is not None
        self.relist_every = relist_every
        self.started = None
        self.timed_out = False
        self.stuck = False
        self._stop = threading.Event()
        self._never = threading.Event()
        self._threads = {}  # region -> its thread
        self._asked_since = {}  # region -> when its endpoint was first asked
        self._answered = set()  # regions that answered every item at least once
        self._last_answer = {}  # region -> when it last answered anything
        self._overall = threading.BoundedSemaphore(OVERALL)
        self._endpoints = (None, {})  # (when the read began, region -> host)
        self._endpoints_lock = threading.Lock()
        self._relist_lock = threading.Lock()

    def now(self):
        return self.deadline.clock()

    def elapsed(self):
        return self.now() - self.started

    def _pause(self, event, seconds):
        return self.deadline.pause(event, seconds)

    # --- one region ---------------------------------------------------------------------------------
    def _check(self, target, item):
        from azext_acr_replication.images.endpoint import DataPlaneError
        try:
            return self.probe.check(target, item)
        except DataPlaneError as error:
            return failed(error)
        except Exception as error:  # pylint: disable=broad-except
            return Observation(ERROR, detail=f'{type(error).__name__}: {error}')

    def _check_each(self, target, items):
        """Ask target's endpoint about items, PER_REGION at once, recording each answer as it comes;
        [(item, observation)]. Daemon threads: a region that hangs never holds up the command's exit."""
        pending, results, lock = list(items), [], threading.Lock()

        def work():
            while not self._stop.is_set() and not target.removed:
                with lock:
                    if not pending:
                        return
                    item = pending.pop(0)
                with self._overall:
                    observation = self._check(target, item)
                self.board.record(target, item, observation, self.elapsed())
                self._last_answer[target.location] = self.now()
                with lock:
                    results.append((item, observation))
        workers = [threading.Thread(target=work, daemon=True, name=f'status-{target.location}-{n}')
                   for n in range(min(PER_REGION, len(pending)))]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return results

    def _ask(self, target):
        """Ask the endpoint about every item; with wait, again and again (settled items are skipped)."""
        backoff = Backoff(first=0.5, factor=1.5, cap=FAST_CAP)
        began = self.now()
        self._asked_since.setdefault(target.location, began)
        todo = list(self.board.items)
        while not self._stop.is_set() and not target.removed:
            results = self._check_each(target, [item for item in todo if not (
                self.wait and self.probe.settled(self.board, target, item))])
            if self._stop.is_set() or target.removed:
                return
            throttled = [item for item, observation in results if observation.retry_after]
            pause = max((o.retry_after for _, o in results if o.retry_after), default=None)
            if not self.wait:
                # one round, but a throttled answer is asked again when the registry's Retry-After ends within
                # the bound a region has to answer (a gate without --wait must not fail on one 429)
                if not throttled or self.elapsed() + pause >= self.answer_bound - 1:
                    self._answered.add(target.location)
                    return
                todo = throttled
                self._pause(self._stop, pause)
                continue
            self._answered.add(target.location)
            if self.now() - began > FAST_FOR:
                backoff.cap = SLOW_CAP
            self._pause(self._stop, pause if pause is not None else backoff.next())

    def _follow(self, target):
        """GET a replica being created (or deleted) until it is something else: every second, as `wait` starts.
        False when there is nothing to ask: it is gone, or the poll is over."""
        backoff = Backoff(first=FOLLOW_EVERY, factor=1.5, cap=FOLLOW_EVERY)
        began = self.now()
        while target.blocked in (CREATING, DELETING):
            if self.now() - began > FAST_FOR:
                backoff.cap = SLOW_CAP
            if self._pause(self._stop, backoff.next()) or target.removed:
                return False
            try:
                state = self.snapshot.replica_state(target.replica)
            except Exception as error:  # pylint: disable=broad-except
                # the client's own retries are spent: ask again later (when ARM said), as long as the poll lasts
                if self._pause(self._stop, arm_retry_after(error) or 0):
                    return False
                continue
            if state is None:
                self.board.remove(target)
                return False
            target.provisioning_state = state
        return True

    def _endpoint(self, target, since):
        """The replica's regional endpoint from a registry read that began at `since` or later (one read serves every
        region that asks meanwhile); None when the poll ended first."""
        backoff = Backoff(first=1.0, factor=1.5, cap=SLOW_CAP)
        while not self._stop.is_set():
            with self._endpoints_lock:
                read_at, endpoints = self._endpoints
                if read_at is None or read_at < since:
                    began = self.now()
                    try:
                        endpoints = self.snapshot.endpoints()
                        self._endpoints = (began, endpoints)
                    except Exception:  # pylint: disable=broad-except
                        endpoints = None
            if endpoints is not None:
                return endpoints.get(target.location)
            self._pause(self._stop, backoff.next())
        return None

    def _region(self, target, fresh):
        """One region, on its own thread. fresh: it appeared after the registry was read."""
        blocked = blocked_observation(target)
        if blocked:
            self.board.mark(target, blocked, self.elapsed())
        if self.follow_arm:
            if target.blocked in (CREATING, DELETING) and not self._follow(target):
                return
            if target.blocked == REPLICA_FAILED:
                self.board.mark(target, blocked_observation(target), self.elapsed())
                return  # a re-list notices if someone re-creates it
            if fresh or not target.endpoint:  # a replica that appeared, or became Succeeded without a host name
                target.endpoint = self._endpoint(target, self.now())
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
        """Add replicas created since the last look, restart regions whose replica changed, drop deleted ones. True
        when there is something new to wait for."""
        with self._relist_lock:
            try:
                listed = self.snapshot.relisted()
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
                    if self.snapshot.replica_state(target.replica) is None:
                        self.board.remove(target)
                except Exception:  # pylint: disable=broad-except
                    pass
            return changed

    def _relist_every_while(self):
        while not self._pause(self._stop, self.relist_every):
            if self.follow_arm:
                self._relist()
            self.probe.refresh(self.board)

    def _last_look(self):
        """Before saying every region has it all: one more list (bounded), for replicas created meanwhile, and one
        more look at what must be held (the probe's refresh)."""
        done, found = threading.Event(), []

        def look():
            relisted = self._relist() if self.follow_arm else False
            found.append(self.probe.refresh(self.board) or relisted)
            done.set()
        threading.Thread(target=look, daemon=True, name='status-last-list').start()
        self._pause(done, LAST_LIST_BOUND)
        return bool(found and found[0])

    # --- the whole ---------------------------------------------------------------------------------------
    def _finished(self):
        """Stop asking now? Sets stuck when nothing that is missing can arrive by waiting."""
        if not self.wait:
            return not any(self._running(target) for target in self.board.current())
        if self.probe.complete(self.board):
            return not self._last_look()
        if self.probe.nowhere(self.board):
            return True  # in no region at all: a typo or not pushed, not worth waiting for
        self.stuck = self.probe.stuck(self.board)
        return self.stuck

    def _still_answering(self):
        """A region still asking that answered within the answer bound: slow (many items, a far region), not
        unreachable; worth waiting for."""
        now = self.now()
        return any(self._running(target) and now - self._last_answer.get(target.location, -1e9) < self.answer_bound
                   for target in self.board.current())

    def run(self):
        """Return the board; wait (poll) if asked. Never raises for what a region or ARM answered."""
        self.started = self.now()
        # measured at the same instant as started: a wait ends at the command's deadline, not threads' start later
        ends = self.started + (self.deadline.remaining() if self.wait else self.answer_bound)
        for target in self.board.current():
            if self.follow_arm or target.blocked is None:
                self._start(target)
        if self.wait:
            threading.Thread(target=self._relist_every_while, daemon=True, name='status-relist').start()
        try:
            while True:
                if self.on_progress:
                    self.on_progress(self.board, self.elapsed())
                if self._finished():
                    break
                if self.now() >= ends:
                    if not self.wait and self._still_answering():
                        ends = self.now() + TICK
                        continue
                    self.timed_out = self.wait
                    break
                self._pause(self._never, TICK)
        finally:
            self._stop.set()
        now = self.now()
        for target in self.board.current():  # a region still inside its first request: say so, do not wait
            if target.location in self._asked_since and target.location not in self._answered:
                for item in self.board.items:
                    if self.board.observation(target, item).state == NOT_CHECKED:
                        self.board.record(target, item, Observation(
                            UNREACHABLE, detail=f'no answer within {int(now - self._asked_since[target.location])} s'),
                            now - self.started)
        return self.board
