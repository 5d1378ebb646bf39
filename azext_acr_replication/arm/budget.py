# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""The command's one ARM read budget, beside its one Deadline: every ARM read of the command (a poll, a
wait's GET, a lookup), whichever thread makes it, takes its turn here, so that many operations in flight
share one rate instead of each polling on its own. No I/O; a test gives it a fake clock.

ARM throttles reads per subscription, principal and region with a token bucket (250 reads, refilled 25 a
second; 12,000 an hour in the older model) and tells on every answer to a read how many are left
(x-ms-ratelimit-remaining-subscription-reads, or -global-reads). So the command:
- keeps to RATE reads a second after a burst of BURST, first come first served (a wait that has just read
  queues behind the others: polls are shared round-robin);
- slows down (rate and burst) in proportion when ARM says fewer than LOW reads are left (never below FLOOR
  a second);
- after a 429 holds every read of the command until the Retry-After ARM asked for has passed, then lets
  them go one at a time: a 429 costs one pause, not one per thread and not a failure.
"""
import threading
import time

RATE = 10.0     # reads a second, sustained: 40 % of ARM's refill, so a second command of the same identity fits
BURST = 20      # reads at once: a plan's lookups, a round of polls of many regions
LOW = 125       # reads left (half of ARM's bucket) below which the command slows down in proportion
FLOOR = 0.2     # reads a second at the least, however few are left
PAUSE = 5.0     # seconds to hold reads after a 429 that came without Retry-After
REMEMBER = 60   # seconds a subscription's count of reads left is believed


class ReadBudget:  # pylint: disable=too-many-instance-attributes
    """Thread-safe. take() before each read; observe() and throttled() with what ARM answered."""

    def __init__(self, rate=RATE, burst=BURST, clock=time.monotonic, sleep=time.sleep):
        self.rate, self.burst = float(rate), float(burst)
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._at = clock()  # when _tokens was counted; in the future while a 429's pause lasts
        self._left = {}     # subscription -> (reads ARM says are left, when it said so)
        self.reads = 0
        self.pauses = 0

    def current_rate(self, now=None):
        """Reads a second the command may make now: RATE, or less when ARM's count of reads left is low."""
        now = self._clock() if now is None else now
        left = [count for count, when in self._left.values() if now - when <= REMEMBER]
        if not left or min(left) >= LOW:
            return self.rate
        return max(FLOOR, self.rate * min(left) / LOW)

    def reserve(self):
        """Count one read; seconds it must wait for its turn."""
        with self._lock:
            now = self._clock()
            rate = self.current_rate(now)
            burst = max(1.0, self.burst * rate / self.rate)  # few reads left: no bursts either
            self._tokens = min(burst, self._tokens + max(0.0, now - self._at) * rate)
            self._at = max(self._at, now)
            self._tokens -= 1
            self.reads += 1
            return (self._at - now) + max(0.0, -self._tokens) / rate

    def held_for(self):
        """Seconds a 429's pause still holds every read."""
        with self._lock:
            return max(0.0, self._at - self._clock())

    def take(self, deadline=None):
        """Wait for this read's turn; with the command's Deadline, never past it (the caller then finds it
        expired)."""
        pause = self.reserve()
        sleep = deadline.sleep if deadline is not None else self._sleep
        while pause > 0 and not (deadline is not None and deadline.expired):
            sleep(pause)
            pause = self.held_for()  # a 429 came meanwhile: its pause holds this read too

    def observe(self, subscription, left):
        """ARM's count of reads left for a subscription, from an answer."""
        with self._lock:
            self._left[subscription] = (left, self._clock())

    def throttled(self, retry_after=None):
        """ARM answered a read 429: no read of the command goes before `retry_after` seconds (PAUSE when ARM
        did not say), and then one at a time. The counts of reads left ARM gave before are out of date once the
        pause is over (its bucket refills meanwhile): the next answers tell anew."""
        with self._lock:
            self._left.clear()
            self._at = max(self._at, self._clock() + (retry_after if retry_after else PAUSE))
            self._tokens = min(self._tokens, 0.0) + 1.0  # the throttled read gives its turn back; no burst after
            self.pauses += 1
