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
    actions = result.get('actions', []) if isinstance(result, dict) else _rows(result)
    return [OrderedDict([
        ('ACTION', _value(item, 'action')),
        ('NAME', _value(item, 'name')),
        ('LOCATION', _value(item, 'location')),
        ('REASON', _value(item, 'reason')),
        ('RESULT', _value(item, 'result')),
    ]) for item in actions]
