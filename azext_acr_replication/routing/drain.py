# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Drain a replica (global endpoint routing off, a drain record on it) and undrain it, within the guardrails:

- drain refuses when fewer than --min-routed other replicas would stay routed, Ready and healthy (by a probe, or
  by ARM alone with --skip-probe); after its write it reads every replica again and undoes itself when the
  guardrail no longer holds (another drain ran at the same time). Of drains that raced, the earliest waits a
  while for the later ones to give way, then gives way too if the guardrail still does not hold.
- undrain refuses a replica that is not provisioned and Ready, or that does not probe healthy (--force skips both
  checks); it removes the drain record.
- both are idempotent: a drained replica is not drained again, an undrained one is left alone.

Plain Python over `arm` (list() -> [probe.Target], get(name) -> probe.Target or None, write(name, tags, routing)
-> probe.Target, after the write has ended) and probe(targets) -> {name: health.Health}.
"""
import time

from azext_acr_replication.arm.errors import ReplicationError
from azext_acr_replication.routing import guardrail, record

RACE_WAIT = 60   # seconds the earliest of drains that raced waits for the later ones to give way
RACE_POLL = 2    # ... reading every replica this often
DRAINED, ALREADY, RECORDED, UNDONE, WOULD = 'drained', 'already drained', 'recorded', 'undone', 'would drain'
UNDRAINED, NOT_DRAINED, CLEARED = 'undrained', 'not drained', 'record removed'


class DrainRefused(ReplicationError):
    """A guardrail said no: one line saying why and what to do."""


class ReplicaNotFound(ReplicationError):
    def __init__(self, name, registry, names):
        super().__init__(f"Replica '{name}' was not found in registry '{registry}'" +
                         (f"; its replicas: {', '.join(names)}." if names else '; it has no replicas yet.'))


class Outcome:  # pylint: disable=too-few-public-methods,too-many-instance-attributes
    """What drain or undrain did to one replica."""

    def __init__(self, registry, target, result, message=None):
        self.registry = registry
        self.target = target
        self.result = result
        self.message = message  # the error line when result is UNDONE
        self.routed_after = []
        self.health = None
        self.forced = False
        self.written = None  # the Drain recorded or removed

    @property
    def failed(self):
        return self.result == UNDONE

    def to_dict(self, now):
        shown = self.written or self.target.drain
        return {'registry': self.registry, 'name': self.target.name, 'location': self.target.location,
                'result': self.result, 'globalEndpointRouting': self.target.routed,
                'drain': shown.to_dict(now) if shown else None, 'routedAfter': self.routed_after,
                'health': self.health, 'forced': self.forced, 'message': self.message}


def find(targets, name, registry):
    for target in targets:
        if target.name.lower() == name.lower():
            if target.model is None:
                raise DrainRefused(f"Registry '{registry}' has no geo-replica yet: its home region is the only place "
                                   "it serves from, and there is no replica to take out of routing.")
            return target
    raise ReplicaNotFound(name, registry, [t.name for t in targets if t.model is not None])


BUSY = {'Creating': ('being created', '--created'), 'Updating': ('being updated', '--updated'),
        'Deleting': ('being deleted', '--deleted')}


def busy(target, registry, verb):
    """Refuse (one line, before any write) a replica an operation is running on: ARM would answer 409."""
    state = getattr(target, 'provisioning_state', None)
    if state in BUSY:
        doing, flag = BUSY[state]
        raise DrainRefused(f"Cannot {verb} '{target.name}' now: it is {doing} (provisioningState {state}). Wait "
                           f"for it ('az acr replication wait -r {registry} -n {target.name} {flag}'), then "
                           f"{verb} again.")


class Guard:  # pylint: disable=too-few-public-methods
    """How one drain is checked: --min-routed, the probe's healths of the other replicas (ARM alone with
    skip_probe), and how to wait for a drain it raced (warn, sleep, clock, race_wait seconds)."""

    def __init__(self, min_routed=1, *, skip_probe=False, warn=None, sleep=time.sleep, clock=time.monotonic,
                 race_wait=RACE_WAIT):
        self.min_routed = min_routed
        self.skip_probe = skip_probe
        self.healths = {}
        self.warn = warn or (lambda *_: None)
        self.sleep = sleep
        self.clock = clock
        self.race_wait = race_wait

    def others(self, targets, name):
        return guardrail.others(targets, name, self.healths, self.skip_probe)


def drain(arm, registry, name, why, *, probe, guard, now, dry_run=False):
    """Drain `name` (see the module's docstring); why: (reason, by). probe(targets) -> {name: Health}, unused with
    guard.skip_probe. Returns an Outcome; raises DrainRefused, ReplicaNotFound."""
    reason, by = why
    before = arm.list()
    target = find(before, name, registry)
    busy(target, registry, 'drain')
    if target.drain is not None and not target.routed:
        return Outcome(registry, target, ALREADY)
    if dry_run and not target.routed:
        return Outcome(registry, target, WOULD)
    if not target.routed:  # turned off by other means: the record says why, routing stays as it is
        fresh = arm.get(target.name) or target
        outcome = Outcome(registry, arm.write(target.name, record.with_drain(fresh.tags, reason, by, now), None),
                          RECORDED)
        outcome.written = outcome.target.drain
        return outcome
    guard.healths = {} if guard.skip_probe else probe([t for t in before if t.name != target.name])
    counted, missing = guard.others(before, target.name)
    if len(counted) < guard.min_routed:
        hint = "lower --min-routed" + ("" if guard.skip_probe else ", or pass --skip-probe to trust ARM alone")
        raise DrainRefused(f"Refusing to drain '{target.name}': "
                           f"{guardrail.shortfall(counted, missing, guard.min_routed)}. Bring another replica back "
                           f"first ('az acr replication undrain'), or {hint}.")
    if dry_run:
        outcome = Outcome(registry, target, WOULD)
        outcome.routed_after = counted
        return outcome
    fresh = arm.get(target.name) or target  # the newest tags: a tag set a moment ago is kept
    tags = record.with_drain(fresh.tags, reason, by, now)
    problems = record.problems(tags)
    if problems:
        raise DrainRefused(f"Cannot record the drain on '{target.name}': {'; '.join(problems)}. Remove a tag with "
                           "'az acr replication update --tags ...' and drain again.")
    written = arm.write(target.name, tags, False)
    return _settle(arm, registry, before, written, guard)


def _settle(arm, registry, before, written, guard):
    """After the write: read every replica again; keep the drain while the guardrail holds, else give way."""
    waited_since = None
    while True:
        after = [t for t in (arm.get(b.name) for b in before) if t is not None]
        me = next((t for t in after if t.name.lower() == written.name.lower()), written)
        counted, missing = guard.others(after, me.name)
        if len(counted) >= guard.min_routed:
            outcome = Outcome(registry, me, DRAINED)
            outcome.routed_after, outcome.written = counted, me.drain
            return outcome
        rivals = guardrail.raced(before, after, me.name)
        if guardrail.gives_way_last(me, rivals) and (waited_since is None or
                                                     guard.clock() - waited_since < guard.race_wait):
            if waited_since is None:
                waited_since = guard.clock()
                guard.warn("'%s' was drained at the same time (%s); waiting up to %d s for it to give way.",
                           ', '.join(t.name for t in rivals), '; '.join(_by(t) for t in rivals), guard.race_wait)
            guard.sleep(RACE_POLL)
            continue
        undone = arm.write(me.name, record.without(me.tags), True)
        why = (f"meanwhile {', '.join(repr(t.name) for t in rivals)} {'was' if len(rivals) == 1 else 'were'} drained "
               f"too ({'; '.join(_by(t) for t in rivals)})" if rivals else 'meanwhile the other replicas changed')
        outcome = Outcome(registry, undone, UNDONE,
                          f"Undid the drain of '{me.name}' (routing is on again): {why}, which left "
                          f"{guardrail.shortfall(counted, missing, guard.min_routed)}. Check with "
                          "'az acr replication probe' and drain again if it is still needed.")
        outcome.routed_after = counted + [me.name]
        return outcome


def _by(target):
    found = target.drain
    if found is None:
        return 'routing turned off, no drain record'
    return found.since() + (f' by {found.by}' if found.by else '')


def undrain(arm, registry, name, probe, *, force=False):
    """Routing back on for `name` and its drain record removed (see the module's docstring). Returns an Outcome;
    raises DrainRefused, ReplicaNotFound."""
    targets = arm.list()
    target = find(targets, name, registry)
    busy(target, registry, 'undrain')
    current = target.drain
    if target.routed and current is None:
        return Outcome(registry, target, NOT_DRAINED)
    fresh = arm.get(target.name) or target
    if target.routed:  # a record left behind (routing turned on by other means): remove it, nothing else
        outcome = Outcome(registry, arm.write(target.name, record.without(fresh.tags), None), CLEARED)
        outcome.written = current
        return outcome
    health = None
    if not force:
        if fresh.provisioning_state != 'Succeeded' or fresh.status != 'Ready':
            raise DrainRefused(f"Refusing to undrain '{target.name}': it is {fresh.provisioning_state}, "
                               f"{fresh.status or 'no status'}, not Succeeded and Ready; routing pulls to it now "
                               "would fail. Wait until it is Ready ('az acr replication wait --ready'), or pass "
                               "--force.")
        found = probe([fresh]).get(target.name)
        if found is None:
            raise DrainRefused(f"Refusing to undrain '{target.name}': the registry names no regional endpoint for "
                               "it, so it cannot be probed. Pass --force to turn its routing on without a probe.")
        health = found.state
        if not found.healthy:
            raise DrainRefused(f"Refusing to undrain '{target.name}': it probes {found.state} "
                               f"({'; '.join(found.reasons)}). Wait until 'az acr replication probe -r {registry}' "
                               "shows it healthy, or pass --force.")
    outcome = Outcome(registry, arm.write(target.name, record.without(fresh.tags), True), UNDRAINED)
    outcome.written = current
    outcome.health = health
    outcome.forced = force
    outcome.routed_after = [t.name for t in targets if t.name != target.name and t.serves] + [target.name]
    return outcome
