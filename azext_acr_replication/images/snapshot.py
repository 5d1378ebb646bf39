# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""The registry as `status` sees it, for every data-plane question: its replicas (home first, then by region), each as
a Target with its regional endpoint and why it cannot be asked yet, and the ARM reads a wait repeats (a replica
being created, replicas created meanwhile, endpoints that appear). Pure Python over the registry's ARM JSON and the
SDK's replication models."""
from azext_acr_replication.arm.values import display_status, provisioning_state
from azext_acr_replication.replicas.status import regional_endpoints, replicas_with_home, with_unlisted_replicas

CREATING, DELETING, REPLICA_FAILED = 'replica creating', 'replica deleting', 'replica failed'
NO_ENDPOINT = 'no regional endpoint'


class Target:  # pylint: disable=too-few-public-methods
    """One replica: where it is, how ARM says it is doing, and its regional endpoint (or None)."""

    def __init__(self, replica, location, provisioning_state_, endpoint):
        self.replica = replica
        self.location = location
        self.provisioning_state = provisioning_state_
        self.endpoint = endpoint
        self.removed = False

    @property
    def blocked(self):
        """Why this replica cannot be asked yet (a state), or None."""
        state = self.provisioning_state
        if state == 'Creating':
            return CREATING
        if state == 'Deleting':
            return DELETING
        if state in ('Failed', 'Canceled'):
            return REPLICA_FAILED
        if not self.endpoint:
            return NO_ENDPOINT
        return None


class ArmReads:  # pylint: disable=too-few-public-methods
    """What a wait reads from ARM again: get_registry() -> the registry's ARM JSON (with an api-version that has
    regional endpoints), list_replicas() -> the SDK's replication models, get_replica(name) -> one, or None."""

    def __init__(self, get_registry, list_replicas, get_replica):
        self.get_registry = get_registry
        self.list_replicas = list_replicas
        self.get_replica = get_replica


class Snapshot:
    """The registry and its replicas as ARM showed them when read: name, home region, targets (home first),
    each replica's displayStatus; reads (ArmReads) for what a wait asks again."""

    def __init__(self, registry, replicas, reads=None):
        self.registry = registry
        self.replicas = list(replicas)
        self.reads = reads
        self.name = registry.get('name')
        self.home, listed = replicas_with_home(registry, self.replicas)
        endpoints = regional_endpoints(registry)
        self.targets = [Target(name, location, state, endpoints.get(location)) for name, location, state, _ in listed]
        self.statuses = {location: (display_status(model) if model is not None else 'Ready')
                         for _, location, _, model in listed}

    @property
    def home_target(self):
        return next(t for t in self.targets if t.location == self.home)

    def refreshed(self, registry_too=True):
        """The replicas (and the registry) read again; replicas the list does not show yet found by their GET."""
        registry = self.reads.get_registry() if registry_too else self.registry
        replicas = with_unlisted_replicas(registry, self.reads.list_replicas(), self.reads.get_replica)
        return Snapshot(registry, replicas, self.reads)

    def replica_state(self, name):
        """A replica's provisioning state now, or None when it is gone."""
        model = self.reads.get_replica(name)
        return None if model is None else provisioning_state(model)

    def relisted(self):
        """[(name, location, provisioning state)] of the replicas now, home included."""
        fresh = self.refreshed(registry_too=False)
        return [(t.replica, t.location, t.provisioning_state) for t in fresh.targets]

    def endpoints(self):
        """region -> regional endpoint host, from the registry read again."""
        self.registry = self.reads.get_registry()
        return regional_endpoints(self.registry)
