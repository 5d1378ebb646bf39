# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""One sample of one regional endpoint, on a connection of its own: connect (TCP, and the proxy's tunnel when the
environment names one, as requests would use it), TLS (verified as azure-cli verifies: REQUESTS_CA_BUNDLE, or
AZURE_CLI_DISABLE_CONNECTION_VERIFICATION), `GET /v2/` (a 401 with the registry's Bearer challenge is a healthy
answer, 200 too: anonymous pull), and with an image a HEAD of its manifest. Each step is timed and bounded by what
is left of the replica's time.

Written on http.client rather than requests because a sample must time the connection and TLS apart from the
answer, on a new connection every time (a pooled one would hide a slow handshake); no library here gives that.
"""
import base64
import http.client
import os
import socket
import ssl
import time
import urllib.parse

from azext_acr_replication.routing.health import Sample

MANIFEST_ACCEPT = ', '.join([
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.docker.distribution.manifest.v2+json',
    'application/vnd.oci.artifact.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.v1+prettyjws',
    'application/vnd.docker.distribution.manifest.v1+json',
])


class TimeLeft(Exception):
    """The replica's bound passed before or during a step."""


def tls_context(verify):
    """verify: True (the CA bundle requests would use), False, or a CA bundle path (REQUESTS_CA_BUNDLE)."""
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    bundle = os.environ.get('REQUESTS_CA_BUNDLE') or os.environ.get('CURL_CA_BUNDLE')
    if not bundle:
        from requests.utils import DEFAULT_CA_BUNDLE_PATH
        bundle = DEFAULT_CA_BUNDLE_PATH
    return ssl.create_default_context(cafile=bundle)


def proxy_for(host):
    """(proxy host, port, Proxy-Authorization headers) from the environment as requests reads it (HTTPS_PROXY,
    NO_PROXY), or None to connect directly."""
    from requests.utils import get_environ_proxies, select_proxy
    url = f'https://{host}/v2/'
    proxy = select_proxy(url, get_environ_proxies(url))
    if not proxy:
        return None
    if '://' not in proxy:
        proxy = 'http://' + proxy
    parts = urllib.parse.urlsplit(proxy)
    headers = {}
    if parts.username:
        pair = f'{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or "")}'
        headers['Proxy-Authorization'] = 'Basic ' + base64.b64encode(pair.encode()).decode()
    return parts.hostname, parts.port or (443 if parts.scheme == 'https' else 80), headers


class Sampler:  # pylint: disable=too-few-public-methods
    """Takes samples of one host. clock: monotonic seconds; deadline: clock value the replica's bound ends at."""

    def __init__(self, host, verify=True, user_agent='acr-replication', clock=time.monotonic):
        self.host = host
        self._context = tls_context(verify)
        self._proxy = proxy_for(host)
        self._user_agent = user_agent
        self._clock = clock

    def _left(self, deadline):
        left = deadline - self._clock()
        if left <= 0:
            raise TimeLeft()
        return left

    def _timed(self, deadline, step):
        started = self._clock()
        result = step()
        if self._clock() > deadline:
            raise TimeLeft()
        return result, round((self._clock() - started) * 1000.0, 1)

    def _connect(self, deadline):
        left = self._left(deadline)
        if self._proxy:
            proxy_host, proxy_port, headers = self._proxy
            connection = http.client.HTTPSConnection(proxy_host, proxy_port, timeout=left, context=self._context)
            connection.set_tunnel(self.host, 443, headers=headers)
        else:
            connection = http.client.HTTPSConnection(self.host, 443, timeout=left, context=self._context)
        return connection

    def _request(self, connection, deadline, method, path, headers):
        connection.sock.settimeout(self._left(deadline))
        connection.request(method, path, headers=dict(headers, **{'User-Agent': self._user_agent}))
        response = connection.getresponse()
        response.read()
        return response

    def sample(self, deadline, manifest_path=None, authorization=None):
        """One Sample; authorization: the headers a HEAD of manifest_path carries (None: no HEAD)."""
        result = Sample()
        progress = ['connect']  # the step under way, for the error
        connection = None
        try:
            connection = self._connect(deadline)
            self._steps(connection, deadline, result, progress, (manifest_path, authorization))
        except (TimeLeft, socket.timeout):
            result.error = f'{progress[0]}: timed out'
        except Exception as error:  # pylint: disable=broad-except
            result.error = failure(progress[0], error)
        finally:
            if connection is not None:
                connection.close()
        return result

    def _steps(self, connection, deadline, result, progress, head):
        _, result.connect_ms = self._timed(deadline, connection.connect)
        progress[0] = 'GET /v2/'
        response, result.v2_ms = self._timed(deadline, lambda: self._request(connection, deadline, 'GET', '/v2/', {}))
        result.v2_status = response.status
        challenge = (response.getheader('WWW-Authenticate') or '').lower().startswith('bearer ')
        if not (response.status == 200 or (response.status == 401 and challenge)):
            result.error = _status(progress[0], response)
            return
        manifest_path, authorization = head
        if manifest_path is None or authorization is None:
            return
        progress[0] = 'HEAD manifest'
        headers = dict(authorization, Accept=MANIFEST_ACCEPT)
        response, result.head_ms = self._timed(
            deadline, lambda: self._request(connection, deadline, 'HEAD', manifest_path, headers))
        result.head_status = response.status
        if response.status == 404:
            result.note = 'the image is not in this region (404)'
        elif response.status != 200:
            result.error = _status(progress[0], response)


def failure(step, error):
    """A few words for why a step failed."""
    text = str(error)
    if isinstance(error, ssl.SSLCertVerificationError):
        found = 'TLS: the certificate is not trusted'
    elif isinstance(error, ssl.SSLError):
        found = f'TLS: {error.reason or "handshake failed"}'
    elif isinstance(error, ConnectionRefusedError):
        found = 'connection refused'
    elif isinstance(error, (ConnectionResetError, http.client.RemoteDisconnected, BrokenPipeError)):
        found = f'{step}: connection reset'
    elif isinstance(error, OSError) and 'Tunnel connection failed' in text:  # the proxy refused the tunnel
        found = 'connection refused (proxy: ' + text.split(':', 1)[1].strip() + ')'
    elif isinstance(error, OSError):
        found = f'{step}: {error.strerror or type(error).__name__}'
    else:
        found = f'{step}: {type(error).__name__}'
    return found


def _status(step, response):
    return f'{step}: {response.status} {response.reason or ""}'.strip()
