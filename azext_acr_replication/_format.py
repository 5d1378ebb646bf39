# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Table transformers. The replication columns are the built-in's, in its order, plus zone redundancy."""
from collections import OrderedDict


def _value(item, *path):
    for key in path:
        if not isinstance(item, dict) or key not in item:
            return ' '
        item = item[key]
    return str(item) if item or item == 0 else ' '


def _rows(result):
    if isinstance(result, dict) and isinstance(result.get('value'), list):
        result = result['value']
    return result if isinstance(result, list) else [result]


def replication_row(item):
    return OrderedDict([
        ('NAME', _value(item, 'name')),
        ('LOCATION', _value(item, 'location')),
        ('PROVISIONING STATE', _value(item, 'provisioningState')),
        ('STATUS', _value(item, 'status', 'displayStatus')),
        ('REGION ENDPOINT ENABLED', _value(item, 'regionEndpointEnabled')),
        ('ZONE REDUNDANCY', _value(item, 'zoneRedundancy')),
    ])


def replication_table(result):
    return [replication_row(item) for item in _rows(result)]


def plan_table(result):
    if isinstance(result, list) and result and isinstance(result[0], dict) and 'actions' in result[0]:
        return fleet_table(result)
    actions = result.get('actions', []) if isinstance(result, dict) else _rows(result)
    return [OrderedDict([
        ('ACTION', _value(item, 'action')),
        ('NAME', _value(item, 'name')),
        ('LOCATION', _value(item, 'location')),
        ('REASON', _value(item, 'reason')),
        ('RESULT', _value(item, 'result')),
    ]) for item in actions]


def fleet_table(result):
    """sync --file: the plan of every registry in one table; a registry that failed has one row saying why."""
    rows = []
    for registry in result:
        for action in registry.get('actions') or []:
            rows.append(OrderedDict([('REGISTRY', _value(registry, 'registry'))] + list(plan_table(
                {'actions': [action]})[0].items())))
        if registry.get('error') and not registry.get('actions'):
            rows.append(OrderedDict([('REGISTRY', _value(registry, 'registry')), ('ACTION', ' '), ('NAME', ' '),
                                     ('LOCATION', ' '), ('REASON', _value(registry, 'error')),
                                     ('RESULT', 'failed')]))
    return rows


def _age(seconds):
    if seconds is None or seconds == ' ':
        return ' '
    seconds = int(seconds)
    if seconds < 120:
        return f'{seconds}s'
    if seconds < 7200:
        return f'{seconds // 60}m'
    if seconds < 172800:
        return f'{seconds // 3600}h {seconds % 3600 // 60}m'
    return f'{seconds // 86400}d {seconds % 86400 // 3600}h'


def _on_off(value):
    return ' ' if value is None else ('on' if value else 'off')


def _count(value, unit=None):
    if not isinstance(value, dict):
        return ' ' if value is None else str(value)
    repositories = value.get('repositories')
    return f"{value.get('tags')}" + (f" ({repositories} {unit})" if repositories else '')


def repository_table(result):
    """`status --repository`: a row per tag and region that is not like the others, a row per region that could
    not be read, then a summary row per repository."""
    rows = []
    for repo in result['repositories']:
        name = repo['repository']
        for entry in repo['missing']:
            for region in entry['regions']:
                rows.append((f"{name}:{entry['tag']}", region, 'missing', ' '))
        for entry in repo['skew']:
            for region, digest in entry['digests'].items():
                rows.append((f"{name}:{entry['tag']}", region, 'digest differs', (digest or ' ')[:19]))
        for region in repo['regions']:
            if region['state'] not in ('present', 'tags missing', 'digest differs'):
                rows.append((name, region['region'], region['state'], ' '))
        tags = _counted(len(repo['tags']), 'tag')
        summary = f"{tags} in every region" if repo['inEveryRegion'] else \
            f"{tags}: {len(repo['missing'])} missing somewhere, {len(repo['skew'])} with different digests"
        if repo['changedWhileReading']:
            summary += f", {len(repo['changedWhileReading'])} changed while reading (not judged)"
        rows.append((name, f"{len(repo['regions'])} regions", summary, ' '))
    return [OrderedDict([('TAG', tag), ('REGION', region), ('STATE', state), ('DIGEST', digest)])
            for tag, region, state, digest in rows]


def catalog_table(result):
    """`status --all-repositories`: a row per region."""
    from azext_acr_replication.images.catalog import progress_text
    return [OrderedDict([
        ('REGION', region['region'] + (' (home)' if region['state'] == 'home' else '')),
        ('REPLICA', region.get('replicaStatus') or ' '),
        ('STATE', region['state'] + (f" ({region['changedWhileReading']} changed while reading, not judged)"
                                     if region.get('changedWhileReading') else '')),
        ('REPOSITORIES', _count(region['repositories'])),
        ('TAGS', _count(region['tags'])),
        ('MISSING', _count(region['missing'], 'repos')),
        ('EXTRA', _count(region['extra'], 'repos')),
        ('SKEWED', _count(region['skewed'])),
        ('PROGRESS', progress_text(region['progress']) or ' '),
    ]) for region in result['regions']]


def image_table(result):
    """`status --image`: a row per image and region, with what of the artifact is missing there."""
    from azext_acr_replication.images.artifact import missing_text
    return [OrderedDict([
        ('IMAGE', image['image']),
        ('REGION', region['region']),
        ('STATE', region['state']),
        ('DIGEST', (region['digest'] or ' ')[:19]),
        ('ARRIVED AFTER', ' ' if region['arrivedAfterSeconds'] is None else f"{region['arrivedAfterSeconds']}s"),
        ('MISSING', missing_text(region.get('missing')) or ' '),
    ]) for image in result['images'] for region in image['regions']]


def status_table(result):
    """`status` without a data-plane question: a row per replica (each question sets its own table)."""
    return [OrderedDict([
        ('NAME', _value(row, 'name') + (' (home)' if row.get('home') else '')),
        ('LOCATION', _value(row, 'location')),
        ('PROVISIONING STATE', _value(row, 'provisioningState')),
        ('STATUS', _value(row, 'status')),
        ('FOR', _age(row.get('statusAgeSeconds'))),
        ('GLOBAL ROUTING', _routing_cell(row)),
        ('REGIONAL ENDPOINT', row.get('regionalEndpoint') or 'none'),
    ]) for row in _rows(result)]


# --- routing/: drains, probe ------------------------------------------------------------------------------------
def _short(text, limit=40):
    text = str(text or '')
    return text if len(text) <= limit else text[:limit - 3] + '...'


def _routing_cell(row):
    """'on', 'off', or 'off (drained 2h 5m: INC-123)' for a drained replica ('on (drain record left)' when its
    routing was turned on by other means)."""
    drain = row.get('drain')
    routing = _on_off(row.get('globalEndpointRouting'))
    if not drain:
        return routing
    if row.get('globalEndpointRouting'):
        return 'on (drain record left)'
    age = _age(drain.get('ageSeconds'))
    return f"off (drained{' ' + age if age.strip() else ''}: {_short(drain.get('reason'), 30)})"


def probe_table(result):
    """`probe`: a row per replica; an ACTION column when --drain-unhealthy acted."""
    replicas = result.get('replicas', []) if isinstance(result, dict) else []
    acted = any(r.get('action') for r in replicas)
    rows = []
    for replica in replicas:
        row = OrderedDict([
            ('NAME', replica['name'] + (' (home)' if replica.get('home') else '')),
            ('LOCATION', replica['location']),
            ('STATUS', replica.get('status') or replica.get('provisioningState') or ' '),
            ('GLOBAL ROUTING', _routing_cell(replica)),
            ('HEALTH', replica['health']),
            ('P50', ' ' if replica.get('p50Ms') is None else f"{replica['p50Ms']:g} ms"),
            ('MAX', ' ' if replica.get('maxMs') is None else f"{replica['maxMs']:g} ms"),
            ('REASON', _short('; '.join(replica.get('reasons') or []), 70) or ' '),
        ])
        if acted:
            action = replica.get('action') or {}
            row['ACTION'] = action.get('result') or ' '
        rows.append(row)
    return rows


def drain_table(result):
    """`drain` and `undrain`: one row."""
    drain = result.get('drain') or {}
    return [OrderedDict([
        ('NAME', result.get('name')),
        ('LOCATION', result.get('location')),
        ('RESULT', result.get('result') + (' (--force)' if result.get('forced') else '')),
        ('GLOBAL ROUTING', _on_off(result.get('globalEndpointRouting'))),
        ('REASON', _short(drain.get('reason'), 50) or ' '),
        ('SINCE', drain.get('at') or ' '),
        ('BY', drain.get('by') or ' '),
    ])]


def _counted(number, noun):
    """'1 tag', '3 tags'."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
