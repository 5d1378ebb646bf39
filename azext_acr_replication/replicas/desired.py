# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""The bundles that travel from a command to the planner and the runner. Pure Python."""
from azext_acr_replication.arm.budget import ReadBudget
from azext_acr_replication.arm.deadline import Deadline
from azext_acr_replication.replicas import plan as planning


class DesiredRegistry:  # pylint: disable=too-few-public-methods,too-many-instance-attributes
    """What one registry's replicas should be.

    routing is None (leave as is), one bool for every region, or {location: bool}; tags and
    zone_redundancy are None for 'no opinion'. create, sync and fleet sync all describe a registry
    with one of these.
    """

    def __init__(self, registry, locations, resource_group=None, *, subscription=None, replication_name=None,
                 routing=None, zone_redundancy=None, tags=None, prune=False):
        self.registry = registry
        self.locations = list(locations)
        self.resource_group = resource_group
        self.subscription = subscription
        self.replication_name = replication_name
        self.routing = routing
        self.zone_redundancy = zone_redundancy
        self.tags = tags
        self.prune = prune

    def routing_for(self, location):
        if isinstance(self.routing, dict):
            return self.routing.get(location)
        return self.routing

    def wanted(self):
        return [planning.Wanted(location, name=self.replication_name, tags=self.tags,
                                region_endpoint_enabled=self.routing_for(location),
                                zone_redundancy=self.zone_redundancy)
                for location in self.locations]


class RunOptions:  # pylint: disable=too-few-public-methods,too-many-arguments
    """How to carry a plan out, for the whole command. mode 'create' refuses a lone home region and touches
    only the regions named; mode 'sync' plans the whole registry (kept and pruned replicas too).

    deadline: the command's one Deadline (--timeout, counted from when the command made its RunOptions);
    every wait, poll and retry pause of the command asks it. budget: the command's one ReadBudget, shared by
    the management clients of every subscription it reads."""

    def __init__(self, mode='sync', dry_run=False, no_wait=False, wait_ready=False, *, timeout=None, deadline=None,
                 budget=None):
        self.mode = mode
        self.dry_run = dry_run
        self.no_wait = no_wait
        self.wait_ready = wait_ready
        self.deadline = deadline or Deadline(timeout)
        self.budget = budget or ReadBudget()

    @property
    def is_create(self):
        return self.mode == 'create'
