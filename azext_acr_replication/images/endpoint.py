# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Ask one registry login server (a replica's regional endpoint) whether it holds a manifest, and what it
lists: its repositories and each repository's tags.

The registry's documented OAuth2 flow on azure-core's pipeline: GET /v2/ -> 401 with a Bearer
challenge (realm, service) -> POST /oauth2/exchange with the AAD token of the az login identity ->
refresh token -> POST /oauth2/token for scopes (`repository:REPO:pull` for a manifest HEAD,
`registry:catalog:*` for /acr/v1/_catalog, `repository:REPO:metadata_read` for /acr/v1/REPO/_tags) ->
access token -> HEAD /v2/REPO/manifests/REF -> Docker-Content-Digest, or GET a listing page by page,
following `Link` on the same host until there is none.

Tokens are kept (the AAD token for every endpoint, a refresh token per endpoint, access tokens per
endpoint and scope) and renewed shortly before they expire (their `exp` claim; the AAD token's expiry
from az) or when the registry answers 401, so a second image or a second poll costs one HEAD and a wait of
any length outlives them all. The scopes a command will need are announced up front (want()), and one
token request asks for up to SCOPES_PER_TOKEN of them (the form's `scope` field repeated, as the token
spec allows); what the token does not grant is asked for alone, and when alone it is granted the endpoint
asks one scope per request from then on. Throttled token requests (429) are retried with backoff,
Retry-After honoured. The token service answers 200 even for an identity that may not pull, with fewer
actions than asked: the access token's `access` claim (read without checking the signature) tells that case
apart, and the answer names the role the identity needs (roleAssignmentMode decides which).
No token is ever logged or put in an error message (azure-core's HttpLoggingPolicy redacts Authorization
and logs no bodies).
"""
import base64
import hashlib
import json
import re
import threading
import time

from azext_acr_replication.arm.errors import ReplicationError, describe, retry_after_seconds
from azext_acr_replication.images.listing import Manifests, Tags, next_page, parse_http_date

SCHEMA1_SIGNED = 'application/vnd.docker.distribution.manifest.v1+prettyjws'
SCHEMA1 = 'application/vnd.docker.distribution.manifest.v1+json'
# every manifest type the data-plane spec lists (ACR answers 404 for a type the Accept list lacks)
MANIFEST_TYPES = ', '.join([
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.docker.distribution.manifest.v2+json',
    'application/vnd.oci.artifact.manifest.v1+json',
    SCHEMA1_SIGNED,
    SCHEMA1,
])
CONNECT_TIMEOUT = 4   # seconds to open a connection to an endpoint
READ_TIMEOUT = 8      # seconds to wait for an answer
TOKEN_RETRIES = 6     # a throttled token request is retried this often (0.5 s backoff doubling to 4 s: ~15 s)
RETRY_AFTER_CAP = 10  # a longer Retry-After is not slept through here but handed to the caller (retry_after)
SCOPES_PER_TOKEN = 32  # scopes asked for in one token request: the access claim (and the header) stays a few KB
PAGE_SIZE = 1000       # items asked for per listing page (az acr sends 100; ACR documents no maximum)
LONG_RETRY_AFTER = 60  # a listing throttled with a Retry-After above RETRY_AFTER_CAP is waited out up to this
LONG_RETRIES = 2       # ... this many times
DENIED = ("{identity} may not pull {repository} in {registry}: needs AcrPull, or 'Container Registry Repository "
          "Reader' on registries with ABAC repository permissions")
LEGACY, ABAC = 'LegacyRegistryPermissions', 'AbacRepositoryPermissions'
ABAC_NOTE = "(the registry uses ABAC repository permissions, where AcrPull is not honoured)"
# what an identity needs, per role assignment mode (None: not known), for: pull, tags, catalog
ROLES = {
    'pull': {ABAC: f"needs 'Container Registry Repository Reader' {ABAC_NOTE}"},
    'metadata_read': {LEGACY: "needs AcrPull on the registry",
                      ABAC: f"needs 'Container Registry Repository Reader' on the registry or the repository "
                            f"{ABAC_NOTE}",
                      None: "needs AcrPull, or 'Container Registry Repository Reader' on registries with ABAC "
                            "repository permissions"},
    'catalog': {LEGACY: "needs AcrPull on the registry",
                ABAC: f"needs 'Container Registry Repository Catalog Lister' on the registry {ABAC_NOTE}",
                None: "needs AcrPull, or 'Container Registry Repository Catalog Lister' on registries with ABAC "
                      "repository permissions"},
}
CATALOG_SCOPE = 'registry:catalog:*'
_CHALLENGE_FIELD = re.compile(r'(\w+)="([^"]*)"')


class DataPlaneError(ReplicationError):
    """A check that got no answer about the manifest. kind: unreachable, unauthorized, forbidden (a 403: a
    firewall or the token service refusing), denied (the identity may not pull), throttled or error;
    retry_after (seconds) when the registry said when to come back."""

    def __init__(self, kind, message, retry_after=None):
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after


def parse_challenge(header):
    """{'realm': ..., 'service': ..., 'scope': ...} from a WWW-Authenticate: Bearer header."""
    if not header or not header.lower().startswith('bearer '):
        return {}
    return dict(_CHALLENGE_FIELD.findall(header))


def jwt_claims(token):
    """The claims of a JWT, read without checking its signature (the registry checks it), or {}."""
    try:
        payload = token.split('.')[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + '=' * (-len(payload) % 4)))
    except (AttributeError, IndexError, TypeError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def granted_actions(access_token, name, kind='repository'):
    """The actions an ACR access token grants on a repository (or kind 'registry', name 'catalog'), from its
    `access` claim, keys in either case as ACR and its docs differ; None when the token does not say."""
    access = jwt_claims(access_token).get('access')
    if not isinstance(access, list):
        return None
    actions = set()
    for entry in access:
        fields = {str(k).lower(): v for k, v in entry.items()} if isinstance(entry, dict) else {}
        if fields.get('type') == kind and fields.get('name') == name:
            actions.update(fields.get('actions') or [])
    return actions


def repository_scope(repository, action):
    return f'repository:{repository}:{action}'


def split_scope(scope):
    """('repository', 'team/app', ['pull']) from 'repository:team/app:pull'."""
    kind, _, rest = scope.partition(':')
    name, _, actions = rest.rpartition(':')
    return kind, name, actions.split(',')


def covers(access_token, scope):
    """Whether the token grants every action of scope (a token that does not say is taken at its word)."""
    kind, name, actions = split_scope(scope)
    granted = granted_actions(access_token, name, kind)
    return granted is None or '*' in granted or set(actions) <= granted


class Token:  # pylint: disable=too-few-public-methods
    """A token and when to renew it: a quarter of its life (at most a minute) before it expires. The expiry is
    the caller's (az gives the AAD token's) or the token's own `exp` claim; none known: kept until refused."""

    def __init__(self, value, now, expires_on=None):
        self.value = value
        expires = expires_on if expires_on is not None else jwt_claims(value).get('exp')
        self.renew_at = None
        if isinstance(expires, (int, float)):
            self.renew_at = expires - min(60.0, max(0.0, expires - now) / 4)

    def fresh(self, now):
        return self.renew_at is None or now < self.renew_at


class AadToken:  # pylint: disable=too-few-public-methods
    """The az login identity's AAD token for the registry's token exchange, shared by every endpoint: acquired
    on first use and again when it is about to expire or an exchange refuses it. acquire() -> (token, tenant,
    expires_on epoch seconds or None)."""

    def __init__(self, acquire, clock=time.time):
        self._acquire = acquire
        self._clock = clock
        self._lock = threading.Lock()
        self._token = None
        self._tenant = None

    def __call__(self, renew=False):
        """(token, tenant)"""
        with self._lock:
            if renew or self._token is None or not self._token.fresh(self._clock()):
                value, self._tenant, expires_on = self._acquire()
                self._token = Token(value, self._clock(), expires_on)
            return self._token.value, self._tenant


def _retry_policy(**settings):
    """azure-core's RetryPolicy, and for the token service too: POST (which it never retries on 429) is
    retried like GET, backoff starts with the first retry, and a Retry-After above RETRY_AFTER_CAP is
    handed to the caller instead of being slept through."""
    from azure.core.pipeline.policies import RetryPolicy

    class RegistryRetryPolicy(RetryPolicy):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self._method_whitelist = self._method_whitelist | {'POST'}  # exchange and token: no side effect

        def is_retry(self, settings, response):
            retry_after = self.get_retry_after(response)
            if retry_after is not None and retry_after > RETRY_AFTER_CAP:
                return False
            return super().is_retry(settings, response)

        def get_backoff_time(self, settings):
            return max(super().get_backoff_time(settings), settings['backoff'])

    return RegistryRetryPolicy(**settings)


def build_pipeline(host, user_agent=None, connection_verify=True, *, retries=True, timeout=None):
    """An azure-core pipeline for one endpoint: bounded retries (Retry-After honoured), short timeouts,
    the CLI's proxy settings from the environment, TLS verification as azure-cli's ARM clients do it
    (connection_verify: True, False or a CA bundle path), headers logged with Authorization redacted.
    retries=False and timeout (seconds, connect and read): a probe's, which reports what the endpoint does
    rather than riding it out."""
    from azure.core import PipelineClient
    from azure.core.pipeline.policies import HeadersPolicy, HttpLoggingPolicy, UserAgentPolicy
    from azure.core.pipeline.transport import RequestsTransport
    retry = {'retry_total': 3, 'retry_connect': 2, 'retry_read': 1, 'retry_status': 3, 'retry_backoff_factor': 0.5,
             'retry_backoff_max': 4}
    if not retries:
        retry = {'retry_total': 0, 'retry_connect': 0, 'retry_read': 0, 'retry_status': 0}
    policies = [
        HeadersPolicy(),
        UserAgentPolicy(base_user_agent=user_agent or 'acr-replication'),
        _retry_policy(**retry),
        HttpLoggingPolicy(),
    ]
    transport = RequestsTransport(connection_timeout=timeout or CONNECT_TIMEOUT, read_timeout=timeout or READ_TIMEOUT,
                                  connection_verify=connection_verify)
    return PipelineClient(base_url=f'https://{host}', policies=policies, transport=transport)


class EndpointClient:  # pylint: disable=too-many-instance-attributes,too-few-public-methods
    """One login server, e.g. myreg.eastus.geo.azurecr.io. Thread-safe; tokens are kept and renewed."""

    def __init__(self, host, aad_token, pipeline=None, *, identity=None, registry=None, role_mode=None,
                 clock=time.time, sleep=time.sleep):
        """aad_token(renew=False) -> (token, tenant) of the az login identity (an AadToken); identity and
        registry name who may not do what where, and role_mode (the registry's roleAssignmentMode) which role
        that needs, when that is the answer."""
        self.host = host
        self._aad_token = aad_token
        self._pipeline = pipeline or build_pipeline(host)
        self._identity = identity or 'The signed-in identity'
        self._registry = registry
        self._role_mode = role_mode
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._service = None
        self._realm = None
        self._refresh = None  # Token
        self._anonymous = False
        self._access = {}  # scope -> Token (one token may serve several scopes)
        self._wanted = {}  # scopes the command will need, in order (a dict as an ordered set)
        self._refused = {}  # scope -> the DataPlaneError saying the identity may not
        self._multi_scope = True  # False once the service granted alone a scope it left out of a combined ask
        self.token_requests = 0

    def forget(self, scopes):
        """Scopes no longer needed here (a read that streams through a registry's repositories): their tokens
        and wants are dropped, so what the client keeps is bounded by the repositories in flight."""
        with self._lock:
            for scope in scopes:
                self._wanted.pop(scope, None)
                self._access.pop(scope, None)

    def want(self, scopes):
        """Scopes the command will need here: the next token request asks for them too (SCOPES_PER_TOKEN at
        a time), so many repositories cost one token request, not one each."""
        with self._lock:
            for scope in scopes:
                self._wanted.setdefault(scope, None)

    # --- transport ---------------------------------------------------------------------------------
    def _send(self, method, path_or_url, headers=None, form=None, **options):
        from azure.core.exceptions import ServiceRequestError, ServiceResponseError
        from azure.core.rest import HttpRequest
        url = path_or_url if path_or_url.startswith('https://') else f'https://{self.host}{path_or_url}'
        request = HttpRequest(method, url, headers=headers or {}, data=form)
        try:
            return self._pipeline.send_request(request, **options)
        except (ServiceRequestError, ServiceResponseError) as error:
            if _certificate_refused(error):
                from azure.cli.core.util import SSLERROR_TEMPLATE
                raise DataPlaneError('unreachable', f'{self.host}: {SSLERROR_TEMPLATE}') from None
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

    def _post_token_service(self, path, form):
        from urllib.parse import urlsplit
        url = f'https://{urlsplit(self._realm).netloc}{path}'
        response = self._send('POST', url, form=form, retry_total=TOKEN_RETRIES, retry_status=TOKEN_RETRIES)
        if response.status_code == 429:
            raise DataPlaneError('throttled', f'{self.host} is throttling token requests (429)',
                                 retry_after=retry_after_seconds(response.headers))
        return response

    def _exchange(self):
        for renew in (False, True):
            token, tenant = self._aad_token(renew=renew)
            form = {'grant_type': 'access_token', 'service': self._service, 'access_token': token}
            if tenant:
                form['tenant'] = tenant
            response = self._post_token_service('/oauth2/exchange', form)
            if response.status_code != 401:
                break  # a 401 may be an AAD token that expired on the way: acquire a new one, once
        if response.status_code in (401, 403):
            raise DataPlaneError('unauthorized', f'{self.host} refused the sign-in ({response.status_code}); run '
                                 "'az login' and try again")
        if response.status_code != 200:
            raise _unexpected(self.host, 'POST /oauth2/exchange', response)
        self._refresh = Token(response.json().get('refresh_token'), self._clock())

    def _request_access_token(self, scopes):
        # a list value: the form carries `scope` once per scope
        form = {'grant_type': 'refresh_token', 'service': self._service, 'scope': list(scopes),
                'refresh_token': self._refresh.value}
        self.token_requests += 1
        return self._post_token_service('/oauth2/token', form)

    def _new_access_token(self, scopes):
        if self._refresh is None or not self._refresh.fresh(self._clock()):
            self._exchange()
        response = self._request_access_token(scopes)
        if response.status_code == 401:  # the refresh token expired or was revoked: exchange again, once
            self._exchange()
            response = self._request_access_token(scopes)
        if response.status_code == 401:
            raise DataPlaneError('unauthorized', f"{self.host} did not accept the sign-in; run 'az login'")
        if response.status_code == 403:
            what = ', '.join(split_scope(scope)[1] for scope in scopes)
            raise DataPlaneError('forbidden', f'{self.host} refused to read {what} (403): the signed-in '
                                 "identity needs the AcrPull role (or a role with 'pull') on the registry")
        if response.status_code != 200:
            raise _unexpected(self.host, 'POST /oauth2/token', response)
        return Token(response.json().get('access_token'), self._clock())

    def denial(self, scope):
        """The one line saying the identity may not use scope here, and which role it needs."""
        kind, name, actions = split_scope(scope)
        registry = self._registry or self._service
        if kind == 'registry':
            need = 'catalog'
            what = f'may not list the repositories of {registry}'
        elif 'pull' in actions:
            if self._role_mode != ABAC:
                return DataPlaneError('denied', DENIED.format(identity=self._identity, repository=name,
                                                              registry=registry))
            need, what = 'pull', f'may not pull {name} in {registry}'
        else:
            need, what = 'metadata_read', f'may not read the tags of {name} in {registry}'
        roles = ROLES[need]
        return DataPlaneError('denied', f'{self._identity} {what}: {roles.get(self._role_mode, roles.get(None))}')

    def _fresh(self, scope, now):
        token = self._access.get(scope)
        return token is not None and token.fresh(now)

    def _fetch(self, scope):
        """A token for scope, asking for the other wanted scopes that need one in the same request; records
        what the identity may not use (denial()), asking once more alone for what a combined answer left out."""
        now = self._clock()
        batch = [scope]
        if self._multi_scope:
            batch += [s for s in self._wanted if s != scope and s not in self._refused and
                      not self._fresh(s, now)][:SCOPES_PER_TOKEN - 1]
        token = self._new_access_token(batch)
        left_out = []
        for asked in batch:
            if covers(token.value, asked):
                self._access[asked] = token
            else:
                left_out.append(asked)
        for asked in left_out:
            if len(batch) > 1:
                alone = self._new_access_token([asked])
                if covers(alone.value, asked):
                    self._access[asked] = alone
                    self._multi_scope = False  # the service reads one scope per request: ask so from now on
                    continue
            self._refused[asked] = self.denial(asked)

    def _authorization(self, scope, renew=False):
        with self._lock:
            if self._realm is None and not self._anonymous:
                self._discover()
            if self._anonymous:
                return {}
            if scope in self._refused:
                raise self._refused[scope]
            if renew or not self._fresh(scope, self._clock()):
                self._fetch(scope)
                if scope in self._refused:
                    raise self._refused[scope]
            return {'Authorization': 'Bearer ' + self._access[scope].value}

    def _authorized_send(self, method, path, scope, headers=None):
        """Send with an access token for scope; a 401 renews it once (expired or revoked). An anonymous-pull
        registry that asks for a token after all (a listing) gets the token flow."""
        response = None
        for renew in (False, True):
            sent = dict(headers or {})
            sent.update(self._authorization(scope, renew=renew))
            response = self._send(method, path, headers=sent)
            if response.status_code != 401:
                return response
            if self._anonymous:
                challenge = parse_challenge(response.headers.get('WWW-Authenticate'))
                if 'realm' not in challenge:
                    return response
                with self._lock:
                    self._anonymous = False
                    self._realm, self._service = challenge['realm'], challenge.get('service') or self.host
        return response

    # --- manifests, referrers, blobs ---------------------------------------------------------------------
    def _pull(self, method, path, repository, what, accept=MANIFEST_TYPES):
        """A pull-scoped request: the response for 200, 307 and 404; 429, 401 and the rest raise DataPlaneError."""
        response = self._authorized_send(method, path, repository_scope(repository, 'pull'), {'Accept': accept})
        if response.status_code in (200, 307, 404):
            return response
        if response.status_code == 429:
            raise DataPlaneError('throttled', f'{self.host} is throttling requests (429)',
                                 retry_after=retry_after_seconds(response.headers))
        if response.status_code == 401:
            raise DataPlaneError('unauthorized', f"{self.host} did not accept the access token; run 'az login'")
        raise _unexpected(self.host, what, response)

    def manifest_digest(self, repository, reference):
        """The digest the endpoint resolves repository:reference to, or None when it does not have it."""
        found = self.head_manifest(repository, reference)
        return found[0] if found else None

    def head_manifest(self, repository, reference):
        """(digest, media type) of repository:reference here, or None when the endpoint does not have it."""
        path = f'/v2/{repository}/manifests/{reference}'
        response = self._pull('HEAD', path, repository, 'HEAD manifest')
        if response.status_code == 404:
            return None
        headers = {'Accept': MANIFEST_TYPES}
        headers.update(self._authorization(repository_scope(repository, 'pull')))
        return self._digest(response, path, headers, reference), _media_type(response)

    def manifest(self, repository, reference):
        """Manifest (digest, media type, JSON body) of repository:reference here, or None."""
        path = f'/v2/{repository}/manifests/{reference}'
        response = self._pull('GET', path, repository, 'GET manifest')
        if response.status_code == 404:
            return None
        content = response.content
        digest = response.headers.get('Docker-Content-Digest')
        if not digest:
            signed = _media_type(response) == SCHEMA1_SIGNED
            digest = 'sha256:' + hashlib.sha256(signed_payload(content) if signed else content).hexdigest()
        try:
            body = json.loads(content)
        except ValueError:
            body = None
        return Manifest(digest, _media_type(response), body if isinstance(body, dict) else {})

    def referrers(self, repository, digest):
        """Descriptors of the manifests whose subject is digest (the OCI 1.1 referrers API, every page, following
        Link on this host). Raises NoReferrersApi when the endpoint does not have the API (404 other than
        NAME_UNKNOWN, or an answer that is not an image index), as clients then use the referrers tag schema."""
        url, found, seen = f'/v2/{repository}/referrers/{digest}', [], set()
        while url:
            response = self._pull('GET', url, repository, 'GET referrers', accept=INDEX)
            if response.status_code == 404:
                if _error_code(response) == 'NAME_UNKNOWN':
                    return []
                raise NoReferrersApi(self.host)
            if _media_type(response) != INDEX:
                raise NoReferrersApi(self.host)
            try:
                found.extend((response.json() or {}).get('manifests') or [])
            except ValueError:
                raise NoReferrersApi(self.host) from None
            seen.add(url)
            url = next_page(response.headers.get('Link'))
            if url in seen:
                raise DataPlaneError('error', f'{self.host} sent the same next page twice ({url})')
        return found

    def has_blob(self, repository, digest):
        """Whether the endpoint holds a blob: HEAD answered 200, or 307 to where it is stored (not followed: the
        registry has it), False for 404 (BLOB_UNKNOWN)."""
        response = self._pull('HEAD', f'/v2/{repository}/blobs/{digest}', repository, 'HEAD blob',
                              accept='application/octet-stream')
        return response.status_code != 404

    # --- listings ------------------------------------------------------------------------------------
    def _listing_page(self, path, scope):
        """One page of a listing; a Retry-After longer than the pipeline waits out itself is waited here,
        within bounds; a 401 with a token for the scope is the registry refusing the identity."""
        for attempt in range(LONG_RETRIES + 1):
            response = self._authorized_send('GET', path, scope, {'Accept': 'application/json'})
            if response.status_code == 429:
                wait = retry_after_seconds(response.headers)
                if attempt < LONG_RETRIES and wait is not None and RETRY_AFTER_CAP < wait <= LONG_RETRY_AFTER:
                    self._sleep(wait)
                    continue
                raise DataPlaneError('throttled', f'{self.host} is throttling requests (429)', retry_after=wait)
            if response.status_code == 401:
                raise self.denial(scope)
            return response
        raise DataPlaneError('throttled', f'{self.host} is throttling requests (429)')  # not reached

    def pages(self, path, item_key, scope, page_size=PAGE_SIZE):
        """Yield (items, the registry's Date as epoch seconds) page by page, following Link on this host until
        a page has none (a short page is not the end). Raises KeyError(path) when the registry answers 404
        (no such repository here)."""
        url = f'{path}?n={page_size}'
        seen = {url}
        while url:
            response = self._listing_page(url, scope)
            if response.status_code == 404:
                raise KeyError(path)
            if response.status_code != 200:
                raise _unexpected(self.host, f'GET {path}', response)
            try:
                items = response.json().get(item_key) or []
            except (ValueError, AttributeError):
                raise _unexpected(self.host, f'GET {path} (not JSON)', response) from None
            yield items, parse_http_date(response.headers.get('Date'))
            url = next_page(response.headers.get('Link'))
            if url in seen:
                raise DataPlaneError('error', f'{self.host} sent the same next page twice ({url})')
            seen.add(url)

    def catalog(self, page_size=PAGE_SIZE):
        """Yield (repository names, the registry's Date) per page of /acr/v1/_catalog, checked to be in
        lexical order (what lets regions be compared as they stream)."""
        previous = None
        for names, date in self.pages('/acr/v1/_catalog', 'repositories', CATALOG_SCOPE, page_size):
            for name in names:
                if previous is not None and name <= previous:
                    raise DataPlaneError('error', f'{self.host} listed repositories out of lexical order '
                                                  f'({previous!r} before {name!r})')
                previous = name
            yield names, date

    def tags(self, repository, page_size=PAGE_SIZE):
        """Every tag of repository here (listing.Tags: name -> digest and lastUpdateTime), or None when this
        endpoint does not hold the repository."""
        return self._listed(Tags(asked_at=self._clock()), f'/acr/v1/{repository}/_tags', 'tags', repository,
                            page_size)

    def manifests(self, repository, page_size=PAGE_SIZE):
        """Every manifest of repository here, untagged ones too (listing.Manifests), or None when this endpoint does
        not hold the repository."""
        return self._listed(Manifests(asked_at=self._clock()), f'/acr/v1/{repository}/_manifests', 'manifests',
                            repository, page_size)

    def _listed(self, found, path, key, repository, page_size):
        try:
            for items, date in self.pages(path, key, repository_scope(repository, 'metadata_read'), page_size):
                if found.read_at is None:
                    found.read_at = date
                found.add(items)
        except KeyError:
            return None
        return found

    def _digest(self, response, path, headers, reference):
        """Docker-Content-Digest; without it, a digest reference is confirmed by the 200 itself, and for a tag
        the manifest is read and hashed (its digest is the SHA-256 of its bytes; of a signed schema 1 manifest,
        of the payload its signature covers)."""
        digest = response.headers.get('Docker-Content-Digest')
        if digest:
            return digest
        if ':' in reference:
            return reference
        response = self._send('GET', path, headers=headers)
        if response.status_code != 200:
            raise _unexpected(self.host, 'GET manifest', response)
        content = response.content
        if (response.headers.get('Content-Type') or '').split(';')[0].strip() == SCHEMA1_SIGNED:
            content = signed_payload(content)
        return 'sha256:' + hashlib.sha256(content).hexdigest()

    # --- a probe's sign-in (routing/probe.py): each step on its own, so that it can be timed -------------------------
    def challenge(self):
        """Read the registry's challenge (GET /v2/) once, if not read yet. Raises DataPlaneError."""
        with self._lock:
            if self._realm is None and not self._anonymous:
                self._discover()

    def exchange(self):
        """A token exchange now (the AAD token for a refresh token), whatever is kept; nothing on an anonymous-pull
        registry. Raises DataPlaneError."""
        self.challenge()
        with self._lock:
            if not self._anonymous:
                self._exchange()

    def send_once(self, method, path, headers=None, timeout=None):
        """One request of a probe's sample, on a connection of its own (`Connection: close`: a pooled one would
        hide a slow connect or TLS handshake), bounded by timeout seconds (connect and read). Returns azure-core's
        response; raises DataPlaneError('unreachable', ...) with the transport's words (refused, timed out, reset)."""
        options = {'connection_timeout': timeout, 'read_timeout': timeout} if timeout else {}
        return self._send(method, path, headers=dict(headers or {}, Connection='close'), **options)

    def authorization(self, scope):
        """The headers a request of the caller's own needs for scope: {'Authorization': 'Bearer ...'} from the kept
        tokens (asked for when needed), {} on an anonymous-pull registry. Raises DataPlaneError. Never log them."""
        return self._authorization(scope)


def _unbase64url(text):
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


def signed_payload(content):
    """What a signed schema 1 manifest's digest is taken of (docker/libtrust's JWS): the bytes before the
    signatures (formatLength of the first signature's protected header) and its formatTail; the content itself
    when it is not such a manifest."""
    try:
        protected = json.loads(_unbase64url(json.loads(content)['signatures'][0]['protected']))
        return content[:int(protected['formatLength'])] + _unbase64url(protected['formatTail'])
    except (ValueError, KeyError, IndexError, TypeError):
        return content


class Endpoints:  # pylint: disable=too-few-public-methods
    """One EndpointClient per login server, made on first use and shared by every check of it (thread-safe),
    all with the same AAD token, identity and TLS settings."""

    def __init__(self, aad_token, identity=None, registry=None, user_agent=None, connection_verify=True, *,
                 role_mode=None, scopes=()):
        """scopes: what every endpoint will be asked for (want()), so that one token request covers them."""
        self._settings = (aad_token, identity, registry, role_mode)
        self._user_agent = user_agent
        self._verify = connection_verify
        self._scopes = list(scopes)
        self._lock = threading.Lock()
        self._clients = {}

    def want(self, scopes):
        """More scopes every endpoint will be asked for (a probe's), before or after its client was made."""
        with self._lock:
            self._scopes.extend(s for s in scopes if s not in self._scopes)
            for client in self._clients.values():
                client.want(scopes)

    def client(self, host):
        with self._lock:
            if host not in self._clients:
                aad_token, identity, registry, role_mode = self._settings
                client = EndpointClient(host, aad_token, build_pipeline(host, self._user_agent, self._verify),
                                        identity=identity, registry=registry, role_mode=role_mode)
                client.want(self._scopes)
                self._clients[host] = client
            return self._clients[host]


INDEX = 'application/vnd.oci.image.index.v1+json'


class NoReferrersApi(ReplicationError):
    """The endpoint has no OCI referrers API (it answered 404): clients use the referrers tag schema there (caught by
    the probe; one line should it ever reach the command)."""


class Manifest:  # pylint: disable=too-few-public-methods
    def __init__(self, digest, media_type, body):
        self.digest, self.media_type, self.body = digest, media_type, body


def _media_type(response):
    return (response.headers.get('Content-Type') or '').split(';')[0].strip()


def _error_code(response):
    try:
        return ((response.json() or {}).get('errors') or [{}])[0].get('code')
    except (ValueError, AttributeError, IndexError):
        return None


def _certificate_refused(error):
    """Whether a connection failed because the endpoint's certificate was not trusted (a TLS-inspecting
    proxy, a missing CA bundle), as azure-cli tells it for ARM."""
    from requests.exceptions import SSLError
    return isinstance(getattr(error, 'inner_exception', None), SSLError)


def _unexpected(host, what, response):
    kind = 'forbidden' if response.status_code == 403 else 'error'
    return DataPlaneError(kind, f'{host} answered {what} with {response.status_code} {response.reason or ""}'.strip())
