# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
# pylint: disable=too-many-positional-arguments  # one parameter per CLI argument, as in azure-cli handlers
"""What has to change to make a registry's replicas match what the user wants. Pure Python."""
from azext_acr_replication.arm import values as arm_values
from azext_acr_replication.arm.errors import ReplicationError

CREATE, RECREATE, UPDATE, DELETE, NONE = 'create', 'recreate', 'update', 'delete', 'none'


class PlanError(ReplicationError):
    """The wanted state cannot be reached by this tool without destroying something; says why."""


class Replica:  # pylint: disable=too-few-public-methods
    """The facts of one existing replica that planning looks at."""

    def __init__(self, name, location, provisioning_state='Succeeded', tags=None, region_endpoint_enabled=True,
                 zone_redundancy='Disabled', display_status=None):
        self.name = name
        self.location = location
        self.provisioning_state = provisioning_state
        self.tags = tags or {}
        self.region_endpoint_enabled = region_endpoint_enabled
        self.zone_redundancy = zone_redundancy or 'Disabled'
        self.display_status = display_status

    @classmethod
    def from_sdk(cls, model):
        return cls(model.name, model.location, arm_values.provisioning_state(model), model.tags,
                   model.region_endpoint_enabled, arm_values.zone_redundancy(model),
                   arm_values.display_status(model))

    @property
    def ended_badly(self):
        return self.provisioning_state in ('Failed', 'Canceled')


class Wanted:  # pylint: disable=too-few-public-methods
    """One replica the user asks for. None means 'no opinion' for tags, routing and zone redundancy."""

    def __init__(self, location, name=None, tags=None, region_endpoint_enabled=None, zone_redundancy=None):
        self.location = location
        self.name = name or location
        self.tags = tags
        self.region_endpoint_enabled = region_endpoint_enabled
        self.zone_redundancy = zone_redundancy

    def keeping(self, replica):
        """This wish with every setting it has no opinion on taken from `replica`: what a recreate sends,
        so that deleting and creating again loses nothing the user did not ask to change."""
        tags = self.tags if self.tags is not None else dict(replica.tags or {})
        routing = self.region_endpoint_enabled
        if routing is None:
            routing = replica.region_endpoint_enabled
        return Wanted(self.location, name=replica.name, tags=tags, region_endpoint_enabled=routing,
                      zone_redundancy=self.zone_redundancy or replica.zone_redundancy)


class Action:  # pylint: disable=too-few-public-methods,too-many-instance-attributes
    def __init__(self, kind, name, location, reason, wanted=None):
        self.kind = kind
        self.name = name
        self.location = location
        self.reason = reason
        self.wanted = wanted
        self.result = None
        self.resource = None

    @property
    def writes(self):
        return self.kind != NONE

    def to_dict(self):
        return {'action': self.kind, 'name': self.name, 'location': self.location, 'reason': self.reason,
                'result': self.result}


def _drift(existing, wanted):
    changes = []
    if wanted.region_endpoint_enabled is not None and \
            bool(existing.region_endpoint_enabled) != bool(wanted.region_endpoint_enabled):
        before = str(bool(existing.region_endpoint_enabled)).lower()
        after = str(bool(wanted.region_endpoint_enabled)).lower()
        changes.append(f'global endpoint routing {before} -> {after}')
    if wanted.tags is not None and dict(existing.tags or {}) != dict(wanted.tags):
        changes.append('tags differ')
    return changes


def plan(existing, wanted, home_location, prune=False):
    """Return the actions, in a stable order, that turn `existing` into `wanted`.

    Never touches the home replica (a wish for the home region is satisfied as it is: an action 'none',
    reason 'home replica', that no wait asks about). Raises PlanError for what needs a human decision
    (zone redundancy or location of an existing replica differ).
    """
    by_name = {r.name.lower(): r for r in existing}
    by_location = {}
    for replica in existing:
        by_location.setdefault(replica.location, replica)
    actions, problems, claimed = [], [], set()

    for want in wanted:
        if want.location == home_location:
            # a desired state naturally lists the home region: it always holds the home replica
            home = by_location.get(home_location)
            actions.append(Action(NONE, home.name if home else home_location, home_location, 'home replica'))
            continue
        current = by_name.get(want.name.lower())
        if current is None and want.name == want.location:
            current = by_location.get(want.location)  # exists under another name: adopt it
        if current is None:
            actions.append(Action(CREATE, want.name, want.location, 'missing', want))
            continue
        claimed.add(current.name.lower())
        if current.location != want.location:
            problems.append(f"Replication '{current.name}' is in '{current.location}', not '{want.location}': "
                            "choose another --name or delete it first.")
            continue
        want.name = current.name
        if current.ended_badly:
            # deleted and created again: a new zone redundancy is possible here, nothing else is lost
            actions.append(Action(RECREATE, current.name, current.location,
                                  f'provisioning state is {current.provisioning_state}', want.keeping(current)))
            continue
        if want.zone_redundancy is not None and want.zone_redundancy != current.zone_redundancy:
            problems.append(
                f"Replication '{current.name}' has zone redundancy {current.zone_redundancy}; it cannot be changed "
                f"to {want.zone_redundancy} in place. Delete it with 'az acr replication delete' and create it "
                "again.")
            continue
        changes = _drift(current, want)
        if changes:
            actions.append(Action(UPDATE, current.name, current.location, '; '.join(changes), want))
        else:
            actions.append(Action(NONE, current.name, current.location, 'up to date', want))

    if problems:
        raise PlanError(' '.join(problems))

    wanted_locations = {w.location for w in wanted}
    for replica in existing:
        if replica.name.lower() in claimed or replica.location == home_location:
            continue
        if replica.location in wanted_locations:
            continue
        if prune:
            actions.append(Action(DELETE, replica.name, replica.location, 'not in the wanted set (--prune)'))
        else:
            actions.append(Action(NONE, replica.name, replica.location, 'not in the wanted set; kept (no --prune)'))
    return actions
