# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""`status --image`: what is checked (a Target per replica, with its regional endpoint) and the JSON
report made from a finished watch. Pure Python."""
from azext_acr_replication.images.watch import PRESENT, SKEW, Target
from azext_acr_replication.replicas.status import regional_endpoints, replicas_with_home


def targets(registry, replicas):
    """What `status --image` checks: every replica, home included, with its regional endpoint."""
    _, listed = replicas_with_home(registry, replicas)
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
