# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""How ARM calls are paced: LRO polling that starts fast and backs off (instead of a flat 30 s), and
retries of throttled or failed requests, both within the command's Deadline."""
from azure.core.pipeline.policies import RetryPolicy
from azure.mgmt.core.polling.arm_polling import ARMPolling


class Backoff:  # pylint: disable=too-few-public-methods
    """1 s, 1.5 s, 2.25 s, ... capped (30 s by default, the SDK's flat interval)."""

    def __init__(self, first=1.0, factor=1.5, cap=30.0):
        self.current, self.factor, self.cap = first, factor, cap

    def next(self):
        value = self.current
        self.current = min(self.current * self.factor, self.cap)
        return value


class AdaptivePolling(ARMPolling):
    """ARMPolling whose fallback delay follows Backoff; a Retry-After from ARM still wins, but no pause runs
    past the deadline: once it has passed, polling stops with TimedOut (the operation goes on in Azure)."""

    def __init__(self, first=1.0, factor=1.5, cap=30.0, deadline=None, **kwargs):
        super().__init__(timeout=first, **kwargs)
        self._backoff = Backoff(first, factor, cap)
        self._deadline = deadline

    def _extract_delay(self):
        # the base class returns Retry-After when ARM sent one, else self._timeout
        self._timeout = self._backoff.next()
        delay = super()._extract_delay()
        if self._deadline is None:
            return delay
        if self._deadline.expired:
            raise self._deadline.timed_out('while ARM was still running the operation; it goes on in Azure')
        return min(delay, self._deadline.remaining())


class DeadlineRetryPolicy(RetryPolicy):
    """azure-core's retries (429, 5xx, dropped connections; Retry-After honoured) that give up at once, with
    TimedOut, when the pause before the next try would run past the command's deadline. `deadline` is set
    by the command once it has one (None: azure-core's behaviour)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.deadline = None

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
