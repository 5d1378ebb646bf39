# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""One replica's health from its samples: healthy, degraded or down, with the reasons and the times. Pure Python.

- down: no answer at all: every sample failed (refused, reset, 5xx, 429), or nothing (the sign-in neither) answered
  before the replica's bound.
- degraded: some samples failed, or some could not finish before the replica's bound (a sample cut off by the bound
  is unfinished, not failed), or the sign-in (the token exchange) failed, or the answers were slow: the median
  sample took longer than --slow-ms, or none finished though the sign-in answered.
- healthy: every sample answered, in time, and the sign-in worked.
"""
import statistics

HEALTHY, DEGRADED, DOWN = 'healthy', 'degraded', 'down'
NOT_PROBED = 'not probed'  # no regional endpoint (a replica being created or deleted), or no probe asked for
ORDER = {DOWN: 0, DEGRADED: 1, NOT_PROBED: 2, HEALTHY: 3}  # worst first


class Sample:  # pylint: disable=too-few-public-methods,too-many-instance-attributes
    """One sample: GET /v2/ on a fresh connection (connect, the proxy's tunnel and TLS included), and with an image
    a HEAD of its manifest. Times in milliseconds (None for a step not reached); error: why it failed, or None."""

    def __init__(self, *, v2_ms=None, v2_status=None, head_ms=None, head_status=None, error=None, ran=True,
                 note=None):
        self.v2_ms = v2_ms
        self.v2_status = v2_status
        self.head_ms = head_ms
        self.head_status = head_status
        self.error = error
        self.ran = ran  # False: not started, the replica's bound had passed
        self.note = note  # something worth saying that is not a failure (the image is not in this region)

    @property
    def ok(self):
        return self.ran and self.error is None

    @property
    def ms(self):
        """The sample's time: its steps together."""
        steps = [t for t in (self.v2_ms, self.head_ms) if t is not None]
        return round(sum(steps), 1) if steps else None

    def to_dict(self):
        return {'ok': self.ok, 'ran': self.ran, 'ms': self.ms, 'v2Ms': self.v2_ms,
                'v2Status': self.v2_status, 'headMs': self.head_ms, 'headStatus': self.head_status,
                'error': self.error, 'note': self.note}


class Health:  # pylint: disable=too-few-public-methods
    def __init__(self, state, reasons=None, p50_ms=None, max_ms=None):
        self.state = state
        self.reasons = list(reasons or [])
        self.p50_ms = p50_ms
        self.max_ms = max_ms

    @property
    def healthy(self):
        return self.state == HEALTHY


def _count(errors):
    """'connection refused (3), 503 Service Unavailable (1)': each error once, with how often."""
    seen = {}
    for error in errors:
        seen[error] = seen.get(error, 0) + 1
    return ', '.join(f'{error} ({count})' if count > 1 else error for error, count in seen.items())


def classify(samples, slow_ms, sign_in_error=None, bound_seconds=None, unanswered=False):
    """Health from the samples (Sample objects, those not run included). sign_in_error: why the token exchange
    failed, or None; unanswered: the replica's probe was still running at its bound (a hang)."""
    planned = len(samples)
    answered = [s for s in samples if s.ok]
    failed = [s for s in samples if s.ran and not s.ok]
    not_run = [s for s in samples if not s.ran]
    times = [s.ms for s in answered if s.ms is not None]
    p50 = round(statistics.median(times), 1) if times else None
    high = round(max(times), 1) if times else None
    bound = f'{bound_seconds:g} s' if bound_seconds is not None else 'its bound'
    if not answered:
        if not failed and not unanswered and sign_in_error is None and not_run:
            # every request that had an answer before the bound got one (the sign-in did): slow, not down
            return Health(DEGRADED, [f'slow: no sample finished within {bound} (the sign-in answered)'])
        if unanswered and not failed:
            extra = [f'sign-in: {sign_in_error}'] if sign_in_error else []
            return Health(DOWN, [f'no answer within {bound}'] + extra)
        reasons = [f'every sample failed: {_count(s.error for s in failed)}'] if failed else []
        if not_run:
            reasons.append(f'{len(not_run)} of {planned} samples not finished within {bound}')
        if sign_in_error:
            reasons.append(f'sign-in failed: {sign_in_error}')
        return Health(DOWN, reasons or ['no sample answered'])
    reasons = []
    if failed:
        reasons.append(f'{len(failed)} of {planned} samples failed: {_count(s.error for s in failed)}')
    if not_run:
        reasons.append(f'{len(not_run)} of {planned} samples not finished within {bound}')
    if sign_in_error:
        reasons.append(f'sign-in failed: {sign_in_error}')
    if p50 is not None and p50 > slow_ms:
        reasons.append(f'slow: median {p50:g} ms > --slow-ms {slow_ms:g}')
    return Health(DEGRADED if reasons else HEALTHY, reasons, p50, high)
