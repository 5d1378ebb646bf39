# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""`status` without --image: one row per replica (home included), and the registry facts the data plane
needs (regional endpoints). Pure Python over the registry's ARM JSON and the SDK's replication models."""
import datetime

from azext_acr_replication.arm.api_versions import NoVersionWithRegionalEndpoints, supported_versions
from azext_acr_replication.arm.values import display_status, provisioning_state
from azext_acr_replication.replicas.readiness import READY, NotReadyError, wait_until_ready


def registry_url(subscription, group, name, api_version=None):
    """The registry's ARM URL, with the api-version to read it with (one that has regional endpoints:
    arm/api_versions.py chooses it, azure-cli 2.75's SDK does not know them)."""
    return (f'/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.ContainerRegistry/'
            f'registries/{name}' + (f'?api-version={api_version}' if api_version else ''))


class ReplicaReads:  # pylint: disable=too-many-arguments,too-many-positional-arguments
    """The replicas as `status` reads them: through the SDK, or where ARM refuses the SDK's api-version (retired,
    or a cloud that lags) with one ARM serves (the registry read's, else the newest ARM lists), deserialized into
    the SDK's model. sdk_list() / sdk_get(name); raw_get(path) -> JSON of the registry's URL + path; model: the
    SDK's Replication; version() -> the registry read's api-version or None."""

    def __init__(self, sdk_list, sdk_get, raw_get, model, version, debug=None):
        self._sdk_list, self._sdk_get, self._raw_get = sdk_list, sdk_get, raw_get
        self._model, self._version = model, version
        self._debug = debug or (lambda *_: None)
        self._served = None  # the version these reads use once the SDK's was refused

    def _refused(self, error):
        listed = supported_versions(error)
        if listed is None:
            return False
        self._served = self._version() or max(listed, key=lambda v: (v[:10], v))
        self._debug("ARM refused the SDK's api-version for replications; reading them with %s", self._served)
        return True

    def list(self):
        if self._served is None:
            try:
                return self._sdk_list()
            except Exception as error:  # pylint: disable=broad-except
                if not self._refused(error):
                    raise
        found, path = [], f'/replications?api-version={self._served}'
        while path:
            page = self._raw_get(path)
            found.extend(self._built(item) for item in page.get('value') or [])
            link = page.get('nextLink')
            path = link[link.index('/replications'):] if link and '/replications' in link else None
        return found

    def get(self, name):
        if self._served is None:
            try:
                return self._sdk_get(name)
            except Exception as error:  # pylint: disable=broad-except
                if not self._refused(error):
                    raise
        return self._built(self._raw_get(f'/replications/{name}?api-version={self._served}'))

    def _built(self, item):
        """The SDK's model from ARM JSON: azure-cli 2.91's models take the mapping, older (msrest) ones deserialize."""
        deserialize = getattr(self._model, 'deserialize', None)
        return deserialize(item) if deserialize is not None else self._model(item)


def first_read(reader, question, sdk_read, warn):
    """The registry's JSON for `status` (reader: arm.api_versions.RegistryReader). question: the data-plane option
    given ('--image', ...), which cannot be answered without regional endpoints: when no api-version ARM serves has
    them, one line saying so (exit 1); without one, the replicas are shown all the same (sdk_read() -> the registry
    as the SDK reads it, when no version answered at all) and warn(message) says why there is no endpoint."""
    try:
        return reader.read()
    except NoVersionWithRegionalEndpoints as missing:
        if question:
            raise NoVersionWithRegionalEndpoints(missing.tried, missing.supported, missing.body, note=(
                f"`status {question}` asks each replica at its regional endpoint, which this cloud does not "
                "offer yet; 'az acr replication status' without it still shows the replicas.")) from None
        warn(f'{missing} The replicas are shown without their regional endpoints (REGIONAL ENDPOINT: none).')
        return missing.body or sdk_read()


def regional_endpoints_enabled(registry):
    return (registry.get('properties') or {}).get('regionalEndpoints') == 'Enabled'


def regional_endpoints(registry):
    """region -> host name, from regionalEndpointHostNames (<registry>.<region>.geo.azurecr.io)."""
    hosts = (registry.get('properties') or {}).get('regionalEndpointHostNames') or []
    found = {}
    for host in hosts:
        labels = host.lower().split('.')
        if len(labels) >= 4 and labels[2] == 'geo':
            found[labels[1]] = host.lower()
    return found


def with_unlisted_replicas(registry, replicas, get_replica):
    """replicas, plus those the registry already names a regional endpoint for but ARM's list does not show yet
    (the list lags seconds behind a create, the registry's GET does not): each read by its GET, named after its
    region as create names it by default (one under another name waits for the list). get_replica(name) -> the
    model or None."""
    home = str(registry.get('location', '')).lower()
    listed = {str(m.location).lower() for m in replicas}
    found = list(replicas)
    for location in sorted(set(regional_endpoints(registry)) - listed - {home}):
        model = get_replica(location)
        if model is not None and str(model.location).lower() == location:
            found.append(model)
    return found


def replicas_with_home(registry, replicas):
    """The SDK models, plus the home region when ARM lists no replica there (no geo-replica yet)."""
    home = str(registry.get('location', '')).lower()
    listed = [(m.name, m.location, provisioning_state(m), m) for m in replicas]
    if home and not any(location == home for _, location, _, _ in listed):
        state = (registry.get('properties') or {}).get('provisioningState', 'Succeeded')
        listed.insert(0, (home, home, state, None))
    # ARM lists replicas in no set order; the home region first, then by region, reads the same every run
    return home, sorted(listed, key=lambda item: (item[1] != home, item[1]))


def replica_rows(registry, replicas, now=None):
    """One row per replica for `status` without --image."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    home, listed = replicas_with_home(registry, replicas)
    endpoints = regional_endpoints(registry)
    rows = []
    for name, location, state, model in listed:
        status = getattr(model, 'status', None)
        stamp = getattr(status, 'timestamp', None)
        if isinstance(stamp, str):
            stamp = _parse_time(stamp)
        rows.append({
            'name': name, 'location': location, 'home': location == home,
            'provisioningState': state, 'status': display_status(model) if model is not None else None,
            'statusTimestamp': stamp.isoformat().replace('+00:00', 'Z') if stamp else None,
            'statusAgeSeconds': int((now - stamp).total_seconds()) if stamp else None,
            'globalEndpointRouting': getattr(model, 'region_endpoint_enabled', None) if model is not None else None,
            'regionalEndpoint': endpoints.get(location),
        })
    return rows


def wait_every_replica_ready(registry, replicas, get_replica, deadline, on_progress=None):
    """`status --wait` without --image: like `wait --ready` for every replica listed. Returns (the rows, None)
    or, when a replica failed or the time ran out, (the rows as they are, (the error line, exit code 1)).
    get_replica(name) -> the replica, or None when it was deleted meanwhile (it keeps its last state)."""
    latest = {model.name: model for model in replicas}

    def get(name):
        latest[name] = get_replica(name) or latest[name]
        return latest[name]

    def progress(states):
        if on_progress:
            on_progress('waiting: ' + ', '.join(f'{name} {state}' for name, state in states.items() if state != READY))
    failure = None
    try:
        wait_until_ready(get, list(latest), deadline, on_progress=progress)
    except NotReadyError as error:
        failure = (str(error), 1)
    return replica_rows(registry, list(latest.values())), failure


def _parse_time(text):
    try:
        return datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        return None
