# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""The command's one clock: --timeout counts from the start of the command, and every wait, poll and
retry pause asks the same Deadline how long it may take. No I/O; a test gives it a fake clock.

One Deadline is made per command (RunOptions carries it down to the planner, the executor, the waits
and the management client's retry policy); a command-wide budget of another kind belongs beside it.
"""
import time

from azext_acr_replication.arm.errors import ReplicationError

DEFAULT_TIMEOUT = 3600  # seconds a command gives up after unless --timeout says otherwise


class TimedOut(ReplicationError):
    """The command's deadline passed (or a pause would have run past it)."""


class Deadline:
    """`seconds` from now (DEFAULT_TIMEOUT when None). Pauses never run past it."""

    def __init__(self, seconds=None, clock=time.monotonic, sleep=time.sleep, wall=time.time, waiter=None):
        """waiter(event, seconds) -> whether the event was set: how pause() waits (a test gives a faster one)."""
        self.seconds = DEFAULT_TIMEOUT if seconds is None else seconds
        self.clock = clock
        self._sleep = sleep
        self._wall = wall
        self._waiter = waiter or (lambda event, seconds: event.wait(seconds))
        self.started = clock()
        self.began_at = wall()  # epoch seconds: what the registry's timestamps are compared with

    def elapsed(self):
        return self.clock() - self.started

    def remaining(self):
        return max(0.0, self.seconds - self.elapsed())

    @property
    def expired(self):
        return self.remaining() <= 0

    def sleep(self, seconds):
        """Sleep `seconds`, or until the deadline when that comes first."""
        self._sleep(max(0.0, min(seconds, self.remaining())))

    def pause(self, event, seconds):
        """Wait `seconds` or until `event` is set (threads that stop together); True when it was set. Not bounded by
        the deadline: a caller that must not run past it asks for at most remaining()."""
        return self._waiter(event, max(0.0, seconds))

    def allows(self, seconds):
        """Whether a pause of `seconds` before a retry ends before the deadline. When it does not, give up at
        once (TimedOut): sleeping until the deadline would only delay the same failure."""
        return seconds < self.remaining()

    def within(self, seconds):
        """A Deadline `seconds` from now, or this one's end when that comes first (same clock)."""
        return Deadline(min(seconds, self.remaining()), self.clock, self._sleep, self._wall, self._waiter)

    def message(self, what):
        """'Timed out after 12 s (--timeout 12) <what>': the time really spent, from the command's start."""
        return f'Timed out after {int(self.elapsed())} s (--timeout {int(self.seconds)}) {what}'

    def timed_out(self, what):
        return TimedOut(self.message(what))
