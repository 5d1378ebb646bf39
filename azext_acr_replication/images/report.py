# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""`status --image`: what is checked (a Target per replica, with its regional endpoint), the JSON report
made from a finished watch, and its verdict (the one error line and the exit code). Pure Python."""
from azext_acr_replication.images.watch import PRESENT, REPLICA_FAILED, SKEW, Target
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
        for target in board.current():
            seen = board.observation(target, image)
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


def verdict(registry_name, board, result, stuck=False, timed_out_after=None):
    """(the one error line, exit code) when not every region has every image; None when they all do."""
    if result['complete']:
        return None
    nowhere = board.nowhere()
    if nowhere:
        return (f"Not found in any region of '{registry_name}': {', '.join(str(i) for i in nowhere)}. Check the "
                "repository and tag (or push the image first).", 3)
    if stuck:
        return (f"Not in every region, and waiting will not change that: {problem_line(result)}. "
                f"{what_to_do(registry_name, board)}.", 1)
    prefix = f'Timed out after {int(timed_out_after)} s. ' if timed_out_after is not None else ''
    return f"{prefix}Not in every region yet: {problem_line(result)}.", 1


FIREWALL_HINT = ("the registry refuses this network (403): run from a network its firewall allows, or allow this "
                 "one with 'az acr network-rule add'")


def what_to_do(registry_name, board):
    """'japaneast: recreate the replica with ...; eastus, uksouth: <what the registry said>' for a stuck wait."""
    failed, said = [], {}
    for target in board.current():
        for image in board.images:
            observation = board.observation(target, image)
            if board.state(target, image) == PRESENT or not observation.terminal:
                continue
            if observation.state == REPLICA_FAILED:
                if target.location not in failed:
                    failed.append(target.location)
                continue
            text = observation.detail or observation.state
            if observation.kind == 'forbidden' and not any(w in text for w in ('firewall', 'AcrPull')):
                text = f'{text}; {FIREWALL_HINT}'
            regions = said.setdefault(text, [])
            if target.location not in regions:
                regions.append(target.location)
    parts = []
    if failed:
        parts.append(f"{', '.join(failed)}: the replica failed; create it again with 'az acr replication create "
                     f"-r {registry_name} -l {' '.join(failed)}'")
    parts.extend(f"{', '.join(regions)}: {text}" for text, regions in said.items())
    return '; '.join(parts)
