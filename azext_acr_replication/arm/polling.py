# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""How ARM calls are paced: when each wait polls (PollSchedule, for LROs through AdaptivePolling and for
every GET-until wait), how every read of the command takes its turn in the command's ReadBudget
(ReadBudgetPolicy), and retries of throttled or failed requests, all within the command's Deadline."""
import json
import re
import threading
import time

from azure.core.pipeline.policies import HTTPPolicy, RetryPolicy
from azure.core.polling.base_polling import LocationPolling, StatusCheckPolling
from azure.mgmt.core.polling.arm_polling import ARMPolling, AzureAsyncOperationPolling, BodyContentPolling

from azext_acr_replication.arm.errors import retry_after_seconds


class Backoff:  # pylint: disable=too-few-public-methods
    """1 s, 1.5 s, 2.25 s, ... capped (30 s by default, the SDK's flat interval)."""

    def __init__(self, first=1.0, factor=1.5, cap=30.0):
        self.current, self.factor, self.cap = first, factor, cap

    def next(self):
        value = self.current
        self.current = min(self.current * self.factor, self.cap)
        return value


class PollSchedule:
    """When one wait polls, counted from its start on a fixed grid: every second for the first FAST_FOR
    seconds, then every STEADY seconds, so that a wait of up to LONG_AFTER seconds (replica creates take
    minutes, sometimes tens of minutes) ends within STEADY seconds of the service, for 1,800 reads an hour (2 %
    of what ARM refills a principal); after that every 1/STRETCH of the time waited so far, at most `cap` (30 s:
    the SDK's flat interval), so that a wait of many hours (Syncing -> Ready) is at most 0.5 % late and
    costs fewer reads each hour (200 in the second, 100 in the third, ...).

    A poll that is due already (a slow answer, or a long turn in the command's read budget) goes at once and
    the grid goes on: a slow answer never pushes the following polls back, and waits that share the read
    budget queue up behind one another, round-robin. A Retry-After from ARM replaces the next pause, and the
    grid goes on from there."""
    FAST_FOR, STEADY, LONG_AFTER, STRETCH = 8.0, 2.0, 3600.0, 200.0

    def __init__(self, cap=30.0, clock=time.monotonic):
        self.cap = cap
        self.clock = clock
        self.started = clock()
        self._at = 0.0  # seconds from the start of the poll planned last

    def step(self, offset):
        """Seconds between the poll at `offset` and the next."""
        if offset < self.FAST_FOR:
            step = 1.0
        elif offset < self.LONG_AFTER:
            step = self.STEADY
        else:
            step = offset / self.STRETCH
        return min(step, self.cap)

    def next(self, retry_after=None):
        """Seconds to pause before the next poll."""
        waited = self.clock() - self.started
        if retry_after is not None:
            self._at = waited + retry_after
            return retry_after
        offset = self._at + self.step(self._at)
        while offset + self.step(offset) <= waited:  # several polls overdue: one now is enough
            offset += self.step(offset)
        self._at = offset
        return max(0.0, offset - waited)


_RESULT_READ = threading.local()


def reading_a_result():
    """Whether the read this thread is about to make is the GET of an operation that has ended (it ends a
    wait, and goes before the polls queued in the read budget)."""
    return getattr(_RESULT_READ, 'on', False)


class StatusLocationPolling(LocationPolling):
    """Location polling that believes a status the answer carries. The spec's example points a replica DELETE's
    Location at .../operationStatuses/..., which answers 200 {"status": "Deleting"} while the delete runs; azure-core
    takes any answer but 202 there as the end, which would report a delete done that is still running."""

    def get_status(self, pipeline_response):
        status = super().get_status(pipeline_response)
        response = pipeline_response.http_response
        if response.status_code == 200:
            try:
                said = json.loads(response.text() or 'null')
            except ValueError:
                said = None
            if isinstance(said, dict) and isinstance(said.get('status'), str) and said['status']:
                return said['status']
        return status


class AdaptivePolling(ARMPolling):
    """ARMPolling on a PollSchedule counted from the write's answer; a Retry-After from ARM still wins, but no
    pause runs past the deadline: once it has passed, polling stops with TimedOut (the operation goes on in
    Azure). cap: the longest pause. A DELETE ends only once a GET of the resource answers 404: an operation
    reported done while the replica still shows is followed until it is gone."""

    def __init__(self, cap=30.0, deadline=None, **kwargs):
        super().__init__(timeout=1, lro_algorithms=[AzureAsyncOperationPolling(), StatusLocationPolling(),
                                                    BodyContentPolling(), StatusCheckPolling()], **kwargs)
        self._cap = cap
        self._schedule = PollSchedule(cap)
        self._deadline = deadline

    def initialize(self, client, initial_response, deserialization_callback):
        self._schedule = PollSchedule(self._cap)
        super().initialize(client, initial_response, deserialization_callback)

    def _poll(self):
        super()._poll()
        request = self._initial_response.http_response.request
        if request.method.upper() == 'DELETE':
            self._until_gone(request.url)

    def _until_gone(self, url):
        from azure.core.exceptions import HttpResponseError
        self._status = 'Deleting'
        while True:
            response = self.request_status(url)
            code = response.http_response.status_code
            if code == 404:
                self._status = 'Succeeded'
                return
            if code != 200:
                raise HttpResponseError(response=response.http_response)
            self._delay()

    def request_status(self, status_link):
        # called for every poll, and once more for the resource after the operation has ended (the final GET):
        # that one ends the wait, so it does not queue behind other waits' polls
        _RESULT_READ.on = self.finished()
        try:
            return super().request_status(status_link)
        finally:
            _RESULT_READ.on = False

    def _extract_delay(self):
        # the base class returns Retry-After when ARM sent one, else self._timeout
        self._timeout = 0
        after = super()._extract_delay() or None
        delay = self._schedule.next(after)
        if self._deadline is None:
            return delay
        if self._deadline.expired:
            raise self._deadline.timed_out('while ARM was still running the operation; it goes on in Azure')
        return min(delay, self._deadline.remaining())


READS_LEFT = ('x-ms-ratelimit-remaining-subscription-reads', 'x-ms-ratelimit-remaining-subscription-global-reads')
_SUBSCRIPTION = re.compile(r'/subscriptions/([^/?#]+)', re.IGNORECASE)


def reads_left(headers):
    """The fewest reads ARM says are left (of the headers it sent), or None."""
    counts = []
    for name in READS_LEFT:
        try:
            counts.append(int((headers or {}).get(name)))
        except (TypeError, ValueError):
            pass
    return min(counts) if counts else None


class ReadBudgetPolicy(HTTPPolicy):  # pylint: disable=too-few-public-methods
    """Each try of an ARM read waits for its turn in the command's ReadBudget; every answer tells the budget
    how many reads ARM has left for the subscription, and a 429 on a read pauses every read of the command.
    Sits right after the retry policy (`owner`), whose deadline and budget it uses; none bound: passes through."""

    def __init__(self, owner):
        super().__init__()
        self.owner = owner

    def send(self, request):
        budget = self.owner.budget
        if budget is None:
            return self.next.send(request)
        read = request.http_request.method.upper() in ('GET', 'HEAD')
        found = _SUBSCRIPTION.search(request.http_request.url)
        subscription = found.group(1).lower() if found else ''
        if read:
            budget.take(self.owner.deadline, subscription, queue=not reading_a_result())
        response = self.next.send(request)
        headers = response.http_response.headers
        left = reads_left(headers)
        if left is not None:
            budget.observe(subscription, left)
        if read and response.http_response.status_code == 429:
            budget.throttled(retry_after_seconds(headers), subscription)
        return response


class DeadlineRetryPolicy(RetryPolicy):
    """azure-core's retries (429, 5xx, dropped connections; Retry-After honoured) that give up at once, with
    TimedOut, when the pause before the next try would run past the command's deadline. `deadline` and the
    command's ReadBudget (`budget`) are set by the command once it has them (None: azure-core's behaviour).
    With a deadline, a 429 on a read is not counted against the tries: it costs the pause ARM asked for, and
    only the deadline ends the waiting. `reads`: the ReadBudgetPolicy to put right after this one."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.deadline = None
        self.budget = None
        self.reads = ReadBudgetPolicy(self)

    def increment(self, settings, response=None, error=None):
        http = getattr(response, 'http_response', None)
        if self.deadline is not None and error is None and getattr(http, 'status_code', None) == 429 and \
                response.http_request.method.upper() in ('GET', 'HEAD'):
            settings['total'] += 1
            settings['status'] += 1
        return super().increment(settings, response=response, error=error)

    def sleep(self, settings, transport, response=None):
        if self.deadline is None:
            super().sleep(settings, transport, response=response)
            return
        after = self.get_retry_after(response) if response is not None else None
        pause = after if after else self.get_backoff_time(settings)
        status = getattr(getattr(response, 'http_response', None), 'status_code', None)
        if not self.deadline.allows(pause):
            why = (f'ARM answered {status} and asked to wait {pause:.0f} s before trying again' if after else
                   f'ARM answered {status}' if status else 'the connection to ARM failed')
            raise self.deadline.timed_out(f'{why}; the next try would start after the deadline')
        self.deadline.sleep(pause)
