# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
# pylint: disable=too-many-positional-arguments,too-many-arguments,too-few-public-methods
"""Is every image in every replica yet? Checks all regions at once and, with wait, keeps polling.

Plain Python over a check(target, image) function: unit-testable with fakes and a fake clock. Each
region polls on its own thread, so one that hangs is reported for itself while the others are
reported on time.
"""
import threading
import time

from azext_acr_replication.arm.polling import Backoff

PRESENT, MISSING, SKEW = 'present', 'missing', 'digest differs'
CREATING, DELETING, REPLICA_FAILED = 'replica creating', 'replica deleting', 'replica failed'
NO_ENDPOINT, UNREACHABLE, ERROR = 'no regional endpoint', 'unreachable', 'error'
NOT_CHECKED = 'not checked yet'
ANSWER_BOUND = 30  # seconds a region may take to answer one round before it is reported unreachable
# --wait polls each region 0.5 s, 0.75 s, ... apart, at most FAST_CAP for the first FAST_FOR seconds
# (most images arrive within them, and the command should return soon after), then at most SLOW_CAP
FAST_CAP, FAST_FOR, SLOW_CAP = 1.5, 120, 5.0


class Target:
    """One replica: where it is, how ARM says it is doing, and its regional endpoint (or None)."""

    def __init__(self, replica, location, provisioning_state, endpoint):
        self.replica = replica
        self.location = location
        self.provisioning_state = provisioning_state
        self.endpoint = endpoint

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


class Observation:
    def __init__(self, state, digest=None, detail=None, retry_after=None):
        self.state = state
        self.digest = digest
        self.detail = detail
        self.retry_after = retry_after


class Board:
    """The newest observation per (region, image), and when each image first showed up in each region."""

    def __init__(self, targets, images):
        self.targets = targets
        self.images = images
        self._lock = threading.Lock()
        self.seen = {(t.location, str(i)): Observation(t.blocked or NOT_CHECKED) for t in targets for i in images}
        self.arrived = {}

    def record(self, target, image, observation, elapsed):
        with self._lock:
            self.seen[(target.location, str(image))] = observation
            if observation.state == PRESENT and (target.location, str(image)) not in self.arrived:
                self.arrived[(target.location, str(image))] = round(elapsed, 1)

    def digests(self, image):
        with self._lock:
            return sorted({o.digest for (_, name), o in self.seen.items() if name == str(image) and o.digest})

    def settled(self, target, image):
        """Nothing more to learn here: present, and every region agrees on the digest so far."""
        with self._lock:
            observation = self.seen[(target.location, str(image))]
        return observation.state == PRESENT and len(self.digests(image)) <= 1

    def state(self, target, image):
        with self._lock:
            observation = self.seen[(target.location, str(image))]
        if observation.state == PRESENT and len(self.digests(image)) > 1:
            return SKEW
        return observation.state

    def complete(self):
        return all(self.state(t, i) == PRESENT for t in self.targets for i in self.images)

    def nowhere(self):
        """Images every region answered 'missing' for: a typo, or not pushed."""
        found = []
        for image in self.images:
            states = [self.state(t, image) for t in self.targets]
            if states and all(s == MISSING for s in states if s not in (CREATING, DELETING, REPLICA_FAILED,
                                                                        NO_ENDPOINT)) and MISSING in states:
                found.append(image)
        return found

    def pending(self, image):
        return [t for t in self.targets if self.state(t, image) != PRESENT]


class Watch:  # pylint: disable=too-many-instance-attributes
    """Checks every target x image; with wait, until complete or timeout."""

    def __init__(self, targets, images, check, wait=False, timeout=3600, clock=time.monotonic,
                 answer_bound=ANSWER_BOUND, on_progress=None):
        self.board = Board(targets, images)
        self.targets, self.images, self.check = targets, images, check
        self.wait, self.timeout, self.clock = wait, timeout, clock
        self.answer_bound = answer_bound
        self.on_progress = on_progress
        self.started = None
        self.timed_out = False
        self._stop = threading.Event()

    def _check(self, target, image):
        from azext_acr_replication.images.endpoint import DataPlaneError
        try:
            digest = self.check(target, image)
        except DataPlaneError as error:
            return Observation(UNREACHABLE if error.kind == 'unreachable' else ERROR, detail=str(error),
                               retry_after=error.retry_after)
        except Exception as error:  # pylint: disable=broad-except
            return Observation(ERROR, detail=f'{type(error).__name__}: {error}')
        return Observation(PRESENT, digest=digest) if digest else Observation(MISSING)

    def _poll_region(self, target, rounds_done):
        backoff = Backoff(first=0.5, factor=1.5, cap=FAST_CAP)
        while not self._stop.is_set():
            pause = None
            for image in self.images:
                if self._stop.is_set():
                    return
                if self.wait and self.board.settled(target, image):
                    continue
                observation = self._check(target, image)
                self.board.record(target, image, observation, self.clock() - self.started)
                if observation.retry_after:
                    pause = max(pause or 0, observation.retry_after)
            rounds_done[target.location] = rounds_done.get(target.location, 0) + 1
            if not self.wait:
                return
            if self.clock() - self.started > FAST_FOR:
                backoff.cap = SLOW_CAP
            self._stop.wait(pause if pause is not None else backoff.next())

    def run(self):
        """Return the board; wait (poll) if asked. Never raises for what a region answered."""
        self.started = self.clock()
        askable = [t for t in self.targets if t.blocked is None]
        rounds_done = {}
        threads = [threading.Thread(target=self._poll_region, args=(t, rounds_done), daemon=True,
                                    name='status-' + t.location) for t in askable]
        for thread in threads:
            thread.start()
        deadline = self.started + (self.timeout if self.wait else self.answer_bound)
        try:
            while any(thread.is_alive() for thread in threads):
                if self.on_progress:
                    self.on_progress(self.board, self.clock() - self.started)
                every_region_answered = all(rounds_done.get(t.location) for t in askable)
                if self.wait and every_region_answered and (self.board.complete() or self.board.nowhere()):
                    break  # done, or an image in no region at all: a typo or not pushed, not worth waiting for
                if self.clock() >= deadline:
                    self.timed_out = self.wait
                    break
                threads[0].join(0.1)
        finally:
            self._stop.set()
        for target in askable:  # a region still inside its first request: say so, do not wait for it
            if not rounds_done.get(target.location):
                for image in self.images:
                    if self.board.state(target, image) == NOT_CHECKED:
                        self.board.record(target, image, Observation(
                            UNREACHABLE, detail=f'no answer within {int(deadline - self.started)} s'),
                            self.clock() - self.started)
        return self.board
