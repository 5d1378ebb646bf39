# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Which api-version to read a registry with. `status` needs the registry properties regionalEndpoints and
regionalEndpointHostNames, which exist only in some versions (azure-rest-api-specs, Registry.models.tsp:
@added(Versions.vLatestPreview); present in 2026-01-01-preview, 2026-03-01-preview and 2026-09-01-preview, absent
from the stable 2025-11-01 and from every version before 2026); and ARM refuses a version it has retired with 400
NoRegisteredProviderFound (InvalidApiVersionParameter on ARM's own routes), whose message lists the versions it
supports. Pure Python: the reader is given a GET.

The version is chosen once per command: the installed SDK's where it can carry them (one read, as before), else the
newest known to carry them; when ARM refuses it, the newest of the versions ARM lists that carries them (each read
and kept only if its answer has the properties, newest first)."""
import re

from azext_acr_replication.arm.errors import ReplicationError

# known (TypeSpec, recordings) to carry regionalEndpoints, newest first
REGIONAL_ENDPOINT_VERSIONS = ('2026-09-01-preview', '2026-03-01-preview', '2026-01-01-preview')
FIRST_WITH_REGIONAL_ENDPOINTS = '2026-01-01'  # no version dated before this has them
REFUSED_CODES = ('NoRegisteredProviderFound', 'InvalidApiVersionParameter')
_SUPPORTED = re.compile(r"supported (?:api-)?versions are '([^']*)'", re.IGNORECASE)
NEEDED = 'regionalEndpoints'


class NoVersionWithRegionalEndpoints(ReplicationError):
    """No api-version ARM serves here has the registry's regional endpoints. body: the registry's JSON as the last
    version read answered it, or None (`status` without a data-plane question can still show the replicas)."""

    def __init__(self, tried, supported=None, body=None, note=None):
        self.tried = list(tried)
        self.supported = supported
        self.body = body
        offered = f" ARM offers {', '.join(supported)}." if supported else ''
        super().__init__(f"No api-version this registry can be read with has its regional endpoints (tried "
                         f"{', '.join(self.tried)}).{offered}" + (f' {note}' if note else ''))


def supported_versions(error):
    """The versions ARM lists when it refuses an api-version (400 NoRegisteredProviderFound or
    InvalidApiVersionParameter), or None when the error is something else."""
    response = getattr(error, 'response', None)
    if getattr(error, 'status_code', None) != 400 or response is None:
        return None
    try:
        body = response.json()
    except Exception:  # pylint: disable=broad-except
        return None
    inner = (body or {}).get('error') or {} if isinstance(body, dict) else {}
    if inner.get('code') not in REFUSED_CODES:
        return None
    found = _SUPPORTED.search(inner.get('message') or '')
    if not found:
        return None
    return [v.strip() for v in found.group(1).split(',') if v.strip()]


def _date(version):
    return version[:10]


def may_carry(version):
    """Whether a version can have regional endpoints: one known to, or one newer than those known not to."""
    return version in REGIONAL_ENDPOINT_VERSIONS or _date(version) >= FIRST_WITH_REGIONAL_ENDPOINTS


def candidates(supported, tried=()):
    """Of the versions ARM supports, those that may carry regional endpoints, newest first (a newer one whose
    answer lacks them costs one read, then the next is tried); on the same date one known to carry them first."""
    left = [v for v in supported if v not in tried and may_carry(v)]
    return sorted(left, key=lambda v: (_date(v), v in REGIONAL_ENDPOINT_VERSIONS, v), reverse=True)


def first_choice(sdk_version):
    """The installed SDK's version where it may carry regional endpoints, else the newest known to."""
    if sdk_version and may_carry(sdk_version):
        return sdk_version
    return REGIONAL_ENDPOINT_VERSIONS[0]


def carries(body):
    return NEEDED in ((body or {}).get('properties') or {})


class RegistryReader:  # pylint: disable=too-few-public-methods
    """Reads one registry's ARM JSON with a version that has regional endpoints, chosen on the first read and kept
    for the command. get(version) -> the JSON read with that api-version, raising azure-core's HttpResponseError;
    debug(message, *args): where the choice is told (--debug)."""

    def __init__(self, get, sdk_version=None, debug=None):
        self._get = get
        self._sdk_version = sdk_version
        self._debug = debug or (lambda *_: None)
        self.version = None
        self.tried = []

    def read(self):
        """The registry's JSON. Raises NoVersionWithRegionalEndpoints when no version ARM serves has them."""
        if self.version is not None:
            return self._get(self.version)
        queue = [first_choice(self._sdk_version)]
        supported, lacking = None, None
        while queue:
            version = queue.pop(0)
            self.tried.append(version)
            try:
                body = self._get(version)
            except Exception as error:  # pylint: disable=broad-except
                listed = supported_versions(error)
                if listed is None:
                    raise
                supported = listed
                self._debug("ARM refused api-version %s for the registry read; it supports %s", version,
                            ', '.join(listed))
                queue = candidates(listed, self.tried)
                continue
            if carries(body):
                self.version = version
                if len(self.tried) > 1:
                    self._debug("registry read with api-version %s (tried %s first)", version,
                                ', '.join(self.tried[:-1]))
                return body
            lacking = body
            self._debug("api-version %s has no regional endpoints in its answer", version)
            if supported is None:  # not refused: try the versions known to carry them
                queue = [v for v in REGIONAL_ENDPOINT_VERSIONS if v not in self.tried]
        raise NoVersionWithRegionalEndpoints(self.tried, supported, lacking)
