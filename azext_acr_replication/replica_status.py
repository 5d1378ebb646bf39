# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""`status` without and with --image: the rows per replica, the check targets, the report. Pure Python
over the registry's ARM JSON and the SDK's replication models."""
import datetime

from azext_acr_replication.arm_values import display_status, provisioning_state
from azext_acr_replication.image_status import PRESENT, SKEW, Target

# regionalEndpoints and regionalEndpointHostNames exist from 2026-01-01-preview on; the registry is read
# with this api-version whatever the installed SDK knows (azure-cli 2.75's does not know them)
REGISTRY_API_VERSION = '2026-09-01-preview'


def registry_url(subscription, group, name):
    return (f'/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.ContainerRegistry/'
            f'registries/{name}?api-version={REGISTRY_API_VERSION}')


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


def _replicas_with_home(registry, replicas):
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
    home, listed = _replicas_with_home(registry, replicas)
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


def targets(registry, replicas):
    """What `status --image` checks: every replica, home included, with its regional endpoint."""
    _, listed = _replicas_with_home(registry, replicas)
    endpoints = regional_endpoints(registry)
    return [Target(name, location, state, endpoints.get(location)) for name, location, state, _ in listed]


def report(registry_name, board, waited=None, timed_out=False):
    """The JSON `status --image` prints (and the facts its error line is made of)."""
    images = []
    for image in board.images:
        regions = []
        for target in board.targets:
            seen = board.seen[(target.location, str(image))]
            regions.append({'replica': target.replica, 'region': target.location, 'endpoint': target.endpoint,
                            'state': board.state(target, image), 'digest': seen.digest,
                            'arrivedAfterSeconds': board.arrived.get((target.location, str(image))),
                            'detail': seen.detail})
        images.append({'image': str(image), 'digests': board.digests(image),
                       'inEveryRegion': all(r['state'] == PRESENT for r in regions), 'regions': regions})
    result = {'registry': registry_name, 'complete': board.complete(), 'images': images}
    if waited is not None:
        result['waitedSeconds'] = round(waited, 1)
        result['timedOut'] = timed_out
    return result


def problem_line(result):
    """'hello:v1: missing in japaneast, uksouth; replica creating in eastus. ...' for the error message."""
    parts = []
    for image in result['images']:
        if image['inEveryRegion']:
            continue
        by_state = {}
        for region in image['regions']:
            if region['state'] not in (PRESENT, SKEW):  # skew is told by the digests below
                by_state.setdefault(region['state'], []).append(region['region'])
        pieces = [f"{state} in {', '.join(regions)}" for state, regions in by_state.items()]
        if len(image['digests']) > 1:
            spread = []
            for digest in image['digests']:
                where = [r['region'] for r in image['regions'] if r['digest'] == digest]
                spread.append(f"{_short(digest)} in {', '.join(where)}")
            pieces.append(f"{len(image['digests'])} digests ({'; '.join(spread)})")
        parts.append(f"{image['image']}: {'; '.join(pieces)}")
    return '. '.join(parts)


def _short(digest):
    return digest[:19] if digest else digest


def _parse_time(text):
    try:
        return datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        return None
