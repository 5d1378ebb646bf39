# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""ARM polling that starts fast and backs off, instead of a flat 30 s between polls."""
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
    """ARMPolling whose fallback delay follows Backoff; a Retry-After from ARM still wins."""

    def __init__(self, first=1.0, factor=1.5, cap=30.0, **kwargs):
        super().__init__(timeout=first, **kwargs)
        self._backoff = Backoff(first, factor, cap)

    def _extract_delay(self):
        # the base class returns Retry-After when ARM sent one, else self._timeout
        self._timeout = self._backoff.next()
        return super()._extract_delay()
