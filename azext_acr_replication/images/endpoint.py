# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Ask one registry login server (a replica's regional endpoint) whether it holds a manifest.

The registry's documented OAuth2 flow on azure-core's pipeline: GET /v2/ -> 401 with a Bearer
challenge (realm, service) -> POST /oauth2/exchange with the AAD token of the az login identity ->
refresh token -> POST /oauth2/token for `repository:REPO:pull` -> access token -> HEAD
/v2/REPO/manifests/REF -> Docker-Content-Digest. The refresh token and each access token are kept
for the life of the client, so a second image or a second poll costs one HEAD. No token is ever
logged or put in an error message (azure-core's HttpLoggingPolicy redacts Authorization and logs
no bodies).
"""
import re
import threading

from azext_acr_replication.arm.errors import ReplicationError, describe, retry_after_seconds

MANIFEST_TYPES = ', '.join([
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.docker.distribution.manifest.v2+json',
])
CONNECT_TIMEOUT = 4   # seconds to open a connection to an endpoint
READ_TIMEOUT = 8      # seconds to wait for an answer
_CHALLENGE_FIELD = re.compile(r'(\w+)="([^"]*)"')


class DataPlaneError(ReplicationError):
    """A check that got no answer about the manifest. kind: unreachable, unauthorized, forbidden,
    throttled or error; retry_after (seconds) when the registry said when to come back."""

    def __init__(self, kind, message, retry_after=None):
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after


def parse_challenge(header):
    """{'realm': ..., 'service': ..., 'scope': ...} from a WWW-Authenticate: Bearer header."""
    if not header or not header.lower().startswith('bearer '):
        return {}
    return dict(_CHALLENGE_FIELD.findall(header))


def build_pipeline(host, user_agent=None):
    """An azure-core pipeline for one endpoint: bounded retries (Retry-After honoured), short timeouts,
    the CLI's proxy and CA settings from the environment, headers logged with Authorization redacted."""
    from azure.core import PipelineClient
    from azure.core.pipeline.policies import (HeadersPolicy, HttpLoggingPolicy, RetryPolicy,
                                              UserAgentPolicy)
    from azure.core.pipeline.transport import RequestsTransport
    policies = [
        HeadersPolicy(),
        UserAgentPolicy(base_user_agent=user_agent or 'acr-replication'),
        RetryPolicy(retry_total=3, retry_connect=2, retry_read=1, retry_status=3, retry_backoff_factor=0.5,
                    retry_backoff_max=4),
        HttpLoggingPolicy(),
    ]
    transport = RequestsTransport(connection_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT)
    return PipelineClient(base_url=f'https://{host}', policies=policies, transport=transport)


class EndpointClient:  # pylint: disable=too-many-instance-attributes,too-few-public-methods
    """One login server, e.g. myreg.eastus.geo.azurecr.io. Thread-safe; tokens are fetched once."""

    def __init__(self, host, aad_token, pipeline=None):
        """aad_token() -> (token, tenant) of the az login identity, called at most once per endpoint."""
        self.host = host
        self._aad_token = aad_token
        self._pipeline = pipeline or build_pipeline(host)
        self._lock = threading.Lock()
        self._service = None
        self._realm = None
        self._refresh = None
        self._anonymous = False
        self._access = {}  # repository -> access token

    # --- transport ---------------------------------------------------------------------------------
    def _send(self, method, path_or_url, headers=None, form=None):
        from azure.core.exceptions import ServiceRequestError, ServiceResponseError
        from azure.core.rest import HttpRequest
        url = path_or_url if path_or_url.startswith('https://') else f'https://{self.host}{path_or_url}'
        request = HttpRequest(method, url, headers=headers or {}, data=form)
        try:
            return self._pipeline.send_request(request)
        except (ServiceRequestError, ServiceResponseError) as error:
            raise DataPlaneError('unreachable', f'{self.host} did not answer ({describe(error)[:200]})') from None

    # --- tokens --------------------------------------------------------------------------------------
    def _discover(self):
        response = self._send('GET', '/v2/')
        if response.status_code == 200:
            self._anonymous = True  # anonymous pull is enabled on this registry
            return
        challenge = parse_challenge(response.headers.get('WWW-Authenticate'))
        if response.status_code != 401 or 'realm' not in challenge:
            raise _unexpected(self.host, 'GET /v2/', response)
        self._realm, self._service = challenge['realm'], challenge.get('service') or self.host

    def _oauth(self, path):
        from urllib.parse import urlsplit
        realm = urlsplit(self._realm)
        return f'https://{realm.netloc}{path}'

    def _exchange(self):
        token, tenant = self._aad_token()
        form = {'grant_type': 'access_token', 'service': self._service, 'access_token': token}
        if tenant:
            form['tenant'] = tenant
        response = self._send('POST', self._oauth('/oauth2/exchange'), form=form)
        if response.status_code in (401, 403):
            raise DataPlaneError('unauthorized', f'{self.host} refused the sign-in ({response.status_code}); run '
                                 "'az login' and try again")
        if response.status_code != 200:
            raise _unexpected(self.host, 'POST /oauth2/exchange', response)
        self._refresh = response.json().get('refresh_token')

    def _access_token(self, repository):
        form = {'grant_type': 'refresh_token', 'service': self._service,
                'scope': f'repository:{repository}:pull', 'refresh_token': self._refresh}
        response = self._send('POST', self._oauth('/oauth2/token'), form=form)
        if response.status_code == 401:
            return None  # the refresh token expired: exchange again
        if response.status_code == 403:
            raise DataPlaneError('forbidden', f'{self.host} refused to read {repository} (403): the signed-in '
                                 "identity needs the AcrPull role (or a role with 'pull') on the registry")
        if response.status_code != 200:
            raise _unexpected(self.host, 'POST /oauth2/token', response)
        return response.json().get('access_token')

    def _authorization(self, repository, renew=False):
        with self._lock:
            if self._realm is None and not self._anonymous:
                self._discover()
            if self._anonymous:
                return {}
            if renew:
                self._access.pop(repository, None)
            if repository not in self._access:
                if self._refresh is None:
                    self._exchange()
                token = self._access_token(repository)
                if token is None:
                    self._exchange()
                    token = self._access_token(repository)
                if token is None:
                    raise DataPlaneError('unauthorized', f"{self.host} did not accept the sign-in; run 'az login'")
                self._access[repository] = token
            return {'Authorization': 'Bearer ' + self._access[repository]}

    # --- manifests -----------------------------------------------------------------------------------
    def manifest_digest(self, repository, reference):
        """The digest the endpoint resolves repository:reference to, or None when it does not have it."""
        path = f'/v2/{repository}/manifests/{reference}'
        for renew in (False, True):
            headers = {'Accept': MANIFEST_TYPES}
            headers.update(self._authorization(repository, renew=renew))
            response = self._send('HEAD', path, headers=headers)
            if response.status_code == 401 and not renew:
                continue  # the access token expired: get a new one once
            if response.status_code == 200:
                return response.headers.get('Docker-Content-Digest')
            if response.status_code == 404:
                return None
            if response.status_code == 429:
                raise DataPlaneError('throttled', f'{self.host} is throttling requests (429)',
                                     retry_after=retry_after_seconds(response.headers))
            raise _unexpected(self.host, 'HEAD manifest', response)
        raise DataPlaneError('unauthorized', f"{self.host} did not accept the access token; run 'az login'")


def _unexpected(host, what, response):
    kind = 'forbidden' if response.status_code == 403 else 'error'
    return DataPlaneError(kind, f'{host} answered {what} with {response.status_code} {response.reason or ""}'.strip())
