# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""How the other commands respect a drain, so that nothing turns routing back on behind a person's back:

- `sync` and `sync --file` (and `create`, which plans the same way) keep a drained replica's routing off where
  the desired state says on, and say so in the plan ('kept drained: INC-123, since 2026-12-02T10:00:00Z'); with
  --undrain the desired state wins and the drain record is removed. Tags they set never drop the drain record.
- `status` shows each replica's drain record (reason, since when, by whom, for how long).
- `update --global-endpoint-routing true` on a drained replica is a person bringing it back by hand: routing on,
  the record removed, with a warning (`undrain` is the way that checks health first). `update --tags` keeps it.

Pure Python over the SDK's replication models and replicas/plan.py's actions.
"""
from azext_acr_replication.arm.errors import ReplicationError
from azext_acr_replication.replicas import plan as planning
from azext_acr_replication.routing import record


def _changes(model, wanted):
    changes = []
    current = getattr(model, 'region_endpoint_enabled', None) is not False
    if wanted.region_endpoint_enabled is not None and bool(wanted.region_endpoint_enabled) != current:
        changes.append(f'global endpoint routing {str(current).lower()} -> '
                       f'{str(bool(wanted.region_endpoint_enabled)).lower()}')
    if wanted.tags is not None and dict(getattr(model, 'tags', None) or {}) != dict(wanted.tags):
        changes.append('tags differ')
    return changes


class TooManyTags(ReplicationError):
    """The tags asked for and the drain record kept beside them are more than Azure allows on a resource."""


def _keep_record(wanted_tags, model_tags):
    """Tags a command sets, with the replica's drain record kept unless they give its tags themselves. Raises
    TooManyTags (before any write) when the record would take them past Azure's limit."""
    kept = dict(record.record_of(model_tags))
    kept.update(wanted_tags)
    if len(kept) > record.TAGS_MAX >= len(wanted_tags):
        raise TooManyTags(f"--tags gives {len(wanted_tags)} tags; with the drain record kept beside them "
                          f"({', '.join(record.KEYS)}) that is {len(kept)}, more than the {record.TAGS_MAX} Azure "
                          f"allows on a replica. Give at most {record.TAGS_MAX - (len(kept) - len(wanted_tags))}, "
                          "or undrain it first ('az acr replication undrain').")
    return kept


def keep_drained(action, model, drain, undrain=False):
    """Adjust one planned action on a drained replica (see the module's docstring); returns True when the desired
    state asked for routing on and the drain kept it off."""
    wanted = action.wanted
    wants_on = wanted.region_endpoint_enabled is True
    if undrain and wants_on:
        wanted.tags = record.without(wanted.tags if wanted.tags is not None else getattr(model, 'tags', None))
        prefix = f'--undrain: drain record removed ({drain.since()})'
    else:
        if wants_on:
            # a recreate sends every setting: routing stays off there; elsewhere routing is simply left as it is
            wanted.region_endpoint_enabled = False if action.kind == planning.RECREATE else None
        if wanted.tags is not None:
            wanted.tags = _keep_record(wanted.tags, getattr(model, 'tags', None))
        prefix = f'kept drained: {drain.since()}' if wants_on else None
    if action.kind == planning.RECREATE:
        action.reason = '; '.join(p for p in (action.reason, prefix or f'drained: {drain.since()}') if p)
        return wants_on and not undrain
    changes = _changes(model, wanted)
    action.kind = planning.UPDATE if changes else planning.NONE
    if prefix is None:
        action.reason = '; '.join(changes or ['up to date']) + f'; drained: {drain.since()}'
    else:
        action.reason = '; '.join([prefix] + changes)
    return wants_on and not undrain


def plan_hook(undrain=False, on_kept=None):
    """replicas/reconcile.py's Context.plan_hook: (actions, the listed models) -> actions, drains respected.
    on_kept(action, drain): told of each replica a drain kept out of routing (create warns with it)."""
    def adjust(actions, models):
        by_name = {m.name.lower(): m for m in models}
        for action in actions:
            model = by_name.get(action.name.lower())
            if model is None or action.wanted is None or action.kind == planning.DELETE:
                continue
            drain = record.read(getattr(model, 'tags', None))
            if drain is None:
                continue
            if keep_drained(action, model, drain, undrain) and on_kept:
                on_kept(action, drain)
        return actions
    return adjust


def with_drains(rows, models, now):
    """`status` rows (replicas/status.py replica_rows) with each replica's drain record (None when not drained)."""
    by_name = {m.name.lower(): m for m in models}
    for row in rows:
        model = by_name.get(str(row.get('name')).lower())
        drain = record.read(getattr(model, 'tags', None)) if model is not None else None
        row['drain'] = drain.to_dict(now) if drain else None
    return rows


def adjust_update(name, parameters, current, warn):
    """`update`'s PATCH body (the SDK's ReplicationUpdateParameters) for a replica that may be drained: routing
    on removes the record (a person brings it back by hand), tags keep it. current: the replica's model, or None."""
    drain = record.read(getattr(current, 'tags', None)) if current is not None else None
    if drain is None:
        return parameters
    if parameters.region_endpoint_enabled is True:
        parameters.tags = record.without(parameters.tags if parameters.tags is not None else current.tags)
        warn("Replication '%s' was drained (%s): its global endpoint routing is on again and the drain record is "
             "removed. ('az acr replication undrain' checks that it is healthy first.)", name, drain.since())
    elif parameters.tags is not None:
        given = {str(k).lower() for k in parameters.tags}
        parameters.tags = _keep_record(parameters.tags, current.tags)
        if not given & set(record.KEYS):
            warn("Replication '%s' is drained (%s): its drain record (the %s* tags) is kept; 'az acr replication "
                 "undrain' removes it.", name, drain.since(), record.PREFIX)
    return parameters
