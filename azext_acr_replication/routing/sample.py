# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""One sample of one regional endpoint, through the extension's one data-plane client (images/endpoint.py's
EndpointClient, on azure-core): `GET /v2/` (a 401 with the registry's Bearer challenge is a healthy answer, 200
too: anonymous pull), and with an image a HEAD of its manifest with the access token the sign-in got. Each request
goes on a connection of its own, so its time includes connect and TLS (the proxy's tunnel too), and is bounded by
what is left of the replica's time.
"""
import time

from azext_acr_replication.arm.errors import ReplicationError
from azext_acr_replication.routing.health import Sample


class TimeLeft(ReplicationError):
    """The replica's bound passed before or during a step (caught: the sample says so)."""


def failure(step, error):
    """A few words for why a step failed, from the transport's words (the EndpointClient's DataPlaneError)."""
    text = str(error).lower()
    if 'timed out' in text or 'timeout' in text:
        return f'{step}: timed out'
    if 'certificate' in text or 'ssl' in text:
        return f'{step}: TLS failed'
    if 'refused' in text or 'tunnel connection failed' in text or '502' in text:
        return 'connection refused'
    if 'reset' in text or 'aborted' in text or 'remotedisconnected' in text or 'closed' in text:
        return f'{step}: connection reset'
    return f'{step}: no answer'


class Sampler:  # pylint: disable=too-few-public-methods
    """Takes samples of one endpoint with its EndpointClient. clock: monotonic seconds; deadline: the clock value
    the replica's bound ends at."""

    def __init__(self, client, clock=time.monotonic):
        self.client = client
        self._clock = clock

    def _left(self, deadline):
        left = deadline - self._clock()
        if left <= 0:
            raise TimeLeft()
        return left

    def _timed(self, deadline, method, path, headers=None):
        started = self._clock()
        response = self.client.send_once(method, path, headers, timeout=self._left(deadline))
        if self._clock() > deadline:
            raise TimeLeft()
        return response, round((self._clock() - started) * 1000.0, 1)

    def sample(self, deadline, manifest_path=None, authorization=None):
        """One Sample; authorization: the headers a HEAD of manifest_path carries (None: no HEAD)."""
        from azext_acr_replication.images.endpoint import MANIFEST_TYPES, DataPlaneError
        result = Sample()
        step = 'GET /v2/'
        try:
            response, result.v2_ms = self._timed(deadline, 'GET', '/v2/')
            result.v2_status = response.status_code
            challenge = (response.headers.get('WWW-Authenticate') or '').lower().startswith('bearer ')
            if not (response.status_code == 200 or (response.status_code == 401 and challenge)):
                result.error = _status(step, response)
                return result
            if manifest_path is None or authorization is None:
                return result
            step = 'HEAD manifest'
            response, result.head_ms = self._timed(deadline, 'HEAD', manifest_path,
                                                   dict(authorization, Accept=MANIFEST_TYPES))
            result.head_status = response.status_code
            if response.status_code == 404:
                result.note = 'the image is not in this region (404)'
            elif response.status_code != 200:
                result.error = _status(step, response)
        except TimeLeft:
            _cut(result, step)
        except DataPlaneError as error:
            if self._clock() >= deadline - CUT_MARGIN and 'timed out' in failure(step, error):
                _cut(result, step)  # the request's timeout was what was left of the bound: slow, not failed
            else:
                result.error = failure(step, error)
        return result


def _cut(result, step):
    """The replica's bound ended while this sample waited for an answer: not finished, which is not a failure."""
    result.ran = False
    result.note = f'{step}: not finished within the bound'


CUT_MARGIN = 0.05  # seconds: a timeout this close to the bound is the bound's


def _status(step, response):
    return f'{step}: {response.status_code} {response.reason or ""}'.strip()
