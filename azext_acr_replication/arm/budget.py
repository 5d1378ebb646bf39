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
- after a 429 holds every read of the command in that subscription until the Retry-After ARM asked for has
  passed, then lets them go one at a time: a 429 costs one pause, not one per thread and not a failure.
Each subscription keeps its own count (a fleet across subscriptions): ARM's limits are per subscription.
"""
import threading
import time

RATE = 15.0     # reads a second, sustained: 30 waits every 2 s (a fleet); 60 % of ARM's regional refill
BURST = 30      # reads at once: a plan's lookups, a round of polls of many regions
LOW = 125       # reads left (half of ARM's bucket) below which the command slows down in proportion
FLOOR = 0.2     # reads a second at the least, however few are left
PAUSE = 5.0     # seconds to hold reads after a 429 that came without Retry-After
REMEMBER = 60   # seconds a subscription's count of reads left is believed


class _Lane:  # pylint: disable=too-few-public-methods
    """One subscription's side of the budget (ARM counts and throttles each subscription on its own)."""

    def __init__(self, tokens, now):
        self.tokens = tokens
        self.at = now        # when tokens was counted; in the future while a 429's pause lasts
        self.left = None     # (reads ARM says are left, when it said so)


class ReadBudget:  # pylint: disable=too-many-instance-attributes
    """Thread-safe. take() before each read; observe() and throttled() with what ARM answered. Each
    subscription has its own lane (rate, reads left, a 429's pause): a 429 or a low count in one subscription
    never slows the reads of another, as ARM's limits are per subscription."""

    def __init__(self, rate=RATE, burst=BURST, clock=time.monotonic, sleep=time.sleep):
        self.rate, self.burst = float(rate), float(burst)
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._lanes = {}
        self.reads = 0
        self.pauses = 0

    def _lane(self, subscription):
        key = (subscription or '').lower()
        if key not in self._lanes:
            self._lanes[key] = _Lane(self.burst, self._clock())
        return self._lanes[key]

    def current_rate(self, subscription='', now=None):
        """Reads a second the command may make now in a subscription: RATE, or less when ARM's count of reads
        left there is low."""
        now = self._clock() if now is None else now
        left = self._lane(subscription).left
        if left is None or now - left[1] > REMEMBER or left[0] >= LOW:
            return self.rate
        return max(FLOOR, self.rate * left[0] / LOW)

    def reserve(self, subscription='', queue=True):
        """Count one read; seconds it must wait for its turn. queue=False: a read that ends a wait (the result
        of an operation that has ended) is counted but waits only for a 429's pause, not behind the polls."""
        with self._lock:
            lane, now = self._lane(subscription), self._clock()
            rate = self.current_rate(subscription, now)
            burst = max(1.0, self.burst * rate / self.rate)  # few reads left: no bursts either
            lane.tokens = min(burst, lane.tokens + max(0.0, now - lane.at) * rate)
            held = max(0.0, lane.at - now)
            lane.at = max(lane.at, now)
            lane.tokens -= 1
            self.reads += 1
            if not queue:
                return held
            return (lane.at - now) + max(0.0, -lane.tokens) / rate

    def held_for(self, subscription=''):
        """Seconds a 429's pause still holds every read of a subscription."""
        with self._lock:
            return max(0.0, self._lane(subscription).at - self._clock())

    def take(self, deadline=None, subscription='', queue=True):
        """Wait for this read's turn; with the command's Deadline, never past it (the caller then finds it
        expired)."""
        pause = self.reserve(subscription, queue)
        sleep = deadline.sleep if deadline is not None else self._sleep
        while pause > 0 and not (deadline is not None and deadline.expired):
            sleep(pause)
            pause = self.held_for(subscription)  # a 429 came meanwhile: its pause holds this read too

    def observe(self, subscription, left):
        """ARM's count of reads left for a subscription, from an answer."""
        with self._lock:
            self._lane(subscription).left = (left, self._clock())

    def throttled(self, retry_after=None, subscription=''):
        """ARM answered a read 429: no read of the subscription goes before `retry_after` seconds (PAUSE when
        ARM did not say), and then one at a time. The count of reads left ARM gave before is out of date once
        the pause is over (its bucket refills meanwhile): the next answers tell anew."""
        with self._lock:
            lane = self._lane(subscription)
            lane.left = None
            lane.at = max(lane.at, self._clock() + (retry_after if retry_after else PAUSE))
            lane.tokens = min(lane.tokens, 0.0) + 1.0  # the throttled read gives its turn back; no burst after
            self.pauses += 1
