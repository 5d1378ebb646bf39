# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""What a drain must leave behind: at least --min-routed other replicas that are routed, provisioned, Ready and
(unless the probe is skipped) healthy; and, after a drain raced another, which of them gives way. Pure Python over
probe.Target objects and {name: health.Health}."""
from azext_acr_replication.routing import health as health_rules


def counts(target, healths, skip_probe=False):
    """Whether `target` counts toward --min-routed."""
    if not target.serves:
        return False
    if skip_probe:
        return True
    found = healths.get(target.name)
    return found is not None and found.healthy


def why_not(target, healths, skip_probe=False):
    """Why `target` does not count, in a few words."""
    if not target.routed:
        drain = target.drain
        return f'not routed (drained: {drain.reason})' if drain else 'not routed'
    if target.provisioning_state not in ('Succeeded', 'Updating'):
        return f'provisioning state {target.provisioning_state}'
    if target.status != 'Ready':
        return f'status {target.status or "unknown"}'
    if skip_probe:
        return 'counted'
    found = healths.get(target.name)
    if found is None:
        return health_rules.NOT_PROBED
    return found.state + (f' ({found.reasons[0]})' if found.reasons else '')


def others(targets, name, healths, skip_probe=False):
    """(names that count, [(name, why not)] for the rest), every replica but `name`."""
    counted, missing = [], []
    for target in targets:
        if target.name.lower() == name.lower():
            continue
        if counts(target, healths, skip_probe):
            counted.append(target.name)
        else:
            missing.append((target.name, why_not(target, healths, skip_probe)))
    return counted, missing


def shortfall(counted, missing, min_routed, what='other replicas'):
    """'only 0 other replicas would stay routed, Ready and healthy (westus: down (...)), fewer than --min-routed 1'."""
    detail = '; '.join(f'{name}: {why}' for name, why in missing)
    return (f"only {len(counted)} {what} would stay routed, Ready and healthy"
            + (f" ({', '.join(counted)})" if counted else '') + (f" [{detail}]" if detail else '')
            + f", fewer than --min-routed {min_routed}")


def raced(before, after, name):
    """The replicas other than `name` that were routed before this drain and are not now: drained meanwhile."""
    was_routed = {t.name.lower() for t in before if t.routed}
    return [t for t in after if t.name.lower() != name.lower() and t.name.lower() in was_routed and not t.routed]


def gives_way_last(me, rivals):
    """Whether `me` (after its write) is the earliest of the drains that raced, so the later ones give way first:
    every rival carries a drain record (it is one of ours and checks after its write too) and ARM says it was
    modified after `me` (name order breaks a tie). Anything unknown: False, and `me` gives way at once."""
    if not rivals or me.modified is None:
        return False
    mine = (me.modified, me.name.lower())
    return all(t.drain is not None and t.modified is not None and (t.modified, t.name.lower()) > mine
               for t in rivals)
