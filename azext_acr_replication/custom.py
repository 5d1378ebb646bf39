# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Command handlers: parse, call the domain modules, return what the CLI prints."""
# one parameter per CLI argument, as in azure-cli's own handlers:
# pylint: disable=too-many-arguments,too-many-positional-arguments,too-many-locals,unused-argument
from knack.log import get_logger

logger = get_logger(__name__)


# --- shared set-up --------------------------------------------------------------------------
def _lookup(cmd, client, subscription=None):
    """client: the registry management client the command got from its factory (one per command)."""
    from azure.cli.core.commands.client_factory import get_subscription_id
    from azext_acr_replication._client_factory import arm_getter
    from azext_acr_replication.arm.lookup import RegistryLookup
    subscription = subscription or get_subscription_id(cmd.cli_ctx)
    return RegistryLookup(subscription, cmd.cli_ctx.config.config_dir, client.registries,
                          arm_getter(client, cmd.cli_ctx.cloud.endpoints.resource_manager),
                          lambda: _subscription_label(cmd, subscription))


def _subscription_label(cmd, subscription):
    try:
        from azure.cli.core._profile import Profile
        account = Profile(cli_ctx=cmd.cli_ctx).get_subscription(subscription)
        return f"{account['name']} ({subscription})"
    except Exception:  # pylint: disable=broad-except
        return subscription


def _models(cmd):
    # operation_group: older azure-cli (e.g. 2.75) versions this SDK per operation group
    return cmd.get_models('Replication', 'ReplicationUpdateParameters', operation_group='replications')


def _progress(cmd):
    return cmd.cli_ctx.get_progress_controller()


def _context(cmd, client, subscription=None, undrain=False, on_kept=None):
    """undrain, on_kept: how the plan treats drained replicas (routing/respect.py plan_hook)."""
    from azext_acr_replication.replicas.reconcile import Context
    from azext_acr_replication.routing.respect import plan_hook
    return Context(client, _lookup(cmd, client, subscription), _models(cmd), progress=_progress(cmd),
                   known_regions=lambda: _known_regions(cmd), plan_hook=plan_hook(undrain, on_kept))


def _client_for(cmd, client, subscription, options):
    """The command's client for the current subscription, another (bounded retries, the same deadline and
    read budget) for any other."""
    from azure.cli.core.commands.client_factory import get_subscription_id
    from azext_acr_replication._client_factory import registry_client
    if subscription.lower() == get_subscription_id(cmd.cli_ctx).lower():
        return client
    return registry_client(cmd.cli_ctx, subscription, deadline=options.deadline, budget=options.budget)


def _run_options(client, mode, **kwargs):
    """The command's RunOptions; its Deadline starts now and also bounds the client's retry pauses, and every
    ARM read of the client takes its turn in its ReadBudget."""
    from azext_acr_replication._client_factory import bind_deadline
    from azext_acr_replication.replicas.desired import RunOptions
    options = RunOptions(mode, **kwargs)
    bind_deadline(client, options.deadline, options.budget)
    return options


def _deadline(client):
    """A command without --timeout (update, delete): a Deadline that never passes (as with the built-in, a write
    is followed until ARM ends it) and a ReadBudget, bound to the client."""
    import math
    from azext_acr_replication._client_factory import bind_deadline
    from azext_acr_replication.arm.deadline import Deadline
    deadline = Deadline(math.inf)
    bind_deadline(client, deadline)
    return deadline


def _sdk_api_version(client):
    """The api-version the installed SDK reads registries with (azure-cli 2.91: 2026-09-01-preview)."""
    for owner in (getattr(client, 'registries', None), client):
        version = getattr(getattr(owner, '_config', None), 'api_version', None)
        if isinstance(version, str):
            return version
    return None


def _routing(global_endpoint_routing, region_endpoint_enabled):
    """--global-endpoint-routing wins over its deprecated name --region-endpoint-enabled, as on azure-cli 2.86."""
    return region_endpoint_enabled if global_endpoint_routing is None else global_endpoint_routing


def _known_regions(cmd):
    try:
        from azure.cli.core.commands.parameters import get_subscription_locations
        return [loc.name for loc in get_subscription_locations(cmd.cli_ctx)]
    except Exception:  # pylint: disable=broad-except
        return []


# --- list / show / wait -----------------------------------------------------------------------
def acr_replication_list(cmd, client, registry_name, resource_group_name=None):
    lookup = _lookup(cmd, client)
    ref = lookup.find(registry_name, resource_group_name)
    return lookup.call(ref, lambda group: list(client.replications.list(group, ref.name)))


def acr_replication_show(cmd, client, replication_name, registry_name, resource_group_name=None):
    lookup = _lookup(cmd, client)
    ref = lookup.find(registry_name, resource_group_name)
    return lookup.call(ref, lambda group: client.replications.get(group, ref.name, replication_name))


def acr_replication_wait(cmd, client, replication_name, registry_name, resource_group_name=None,
                         created=False, updated=False, deleted=False, exists=False, ready=False, custom=None,
                         timeout=3600, interval=30):
    from azext_acr_replication._client_factory import bind_deadline
    from azext_acr_replication.arm import waiting
    from azext_acr_replication.arm.deadline import Deadline
    from azext_acr_replication.arm.values import state_of
    from azext_acr_replication.arm.lookup import none_if_not_found
    description, predicate = waiting.condition_for(created, updated, deleted, exists, ready, custom)
    deadline = Deadline(timeout)
    bind_deadline(client, deadline)
    lookup = _lookup(cmd, client)
    ref = lookup.find(registry_name, resource_group_name)

    def get():
        return none_if_not_found(
            lambda: lookup.call(ref, lambda group: client.replications.get(group, ref.name, replication_name)))
    progress = _progress(cmd)
    try:
        waiting.wait_for(get, description, predicate, deadline, interval,
                         on_progress=lambda r: progress.add(
                             message='waiting: ' + ('absent' if r is None else state_of(r))))
    finally:
        progress.end()


# --- create / sync ------------------------------------------------------------------------------
def acr_replication_create(cmd, client, location, registry_name, resource_group_name=None, replication_name=None,
                           global_endpoint_routing=None, zone_redundancy=None, tags=None, no_wait=False,
                           wait_ready=False, timeout=None, region_endpoint_enabled=None):
    from azext_acr_replication.replicas.desired import DesiredRegistry
    from azext_acr_replication.replicas.reconcile import reconcile
    options = _run_options(client, 'create', no_wait=no_wait, wait_ready=wait_ready, timeout=timeout)
    desired = DesiredRegistry(registry_name, location, resource_group_name, replication_name=replication_name,
                              routing=_routing(global_endpoint_routing, region_endpoint_enabled),
                              zone_redundancy=zone_redundancy, tags=tags)
    result = reconcile(_context(cmd, client, on_kept=_warn_kept_drained), desired, options)
    for action in result.actions:
        if action.kind == 'none' and not action.reason.startswith('kept drained'):
            logger.warning("Replication '%s' already exists with these settings; nothing to do.", action.name)
    replicas = []
    for action in result.actions:
        fresh = result.current.get(action.name.lower())
        if wait_ready or action.kind == 'none' or action.resource is None:
            resource = fresh or action.resource  # after a wait the fresh GET is the newest
        else:
            resource = action.resource
        if resource is not None:
            replicas.append(resource)
    if no_wait:
        logger.warning("Started: %s. Follow with 'az acr replication wait -r %s -n <name> --created' or "
                       "'az acr replication list -r %s -o table'.",
                       ', '.join(o.action.name for o in result.outcomes) or 'nothing', registry_name, registry_name)
    return replicas[0] if len(replicas) == 1 and len(location) == 1 else replicas


def _warn_kept_drained(action, drain):
    logger.warning("Replication '%s' is drained (%s): its global endpoint routing is left off. 'az acr replication "
                   "undrain' brings it back once it is healthy.", action.name, drain.since())


def acr_replication_sync(cmd, client, registry_name=None, location=None, resource_group_name=None,
                         global_endpoint_routing=None, zone_redundancy=None, tags=None, prune=False, dry_run=False,
                         no_wait=False, wait_ready=False, timeout=None, file=None, region_endpoint_enabled=None,
                         undrain=False):
    from azext_acr_replication.replicas.desired import DesiredRegistry
    options = _run_options(client, 'sync', dry_run=dry_run, no_wait=no_wait, wait_ready=wait_ready, timeout=timeout)
    if file:  # the validator has read and checked it: a list of FleetEntry
        from azext_acr_replication.fleet.command import sync_file
        return sync_file(cmd, file, options, prune=prune, context_for=lambda sub: _context(
            cmd, _client_for(cmd, client, sub, options), sub, undrain=undrain))
    from azext_acr_replication.replicas.reconcile import reconcile
    desired = DesiredRegistry(registry_name, location, resource_group_name,
                              routing=_routing(global_endpoint_routing, region_endpoint_enabled),
                              zone_redundancy=zone_redundancy, tags=tags, prune=prune)
    result = reconcile(_context(cmd, client, undrain=undrain), desired, options)
    for action in result.actions:
        if dry_run:
            action.result = 'planned' if action.writes else 'unchanged'
        else:
            action.result = action.result or 'unchanged'
    if not result.changes:
        logger.warning("Registry '%s' already matches: nothing to do.", registry_name)
    return {'registry': registry_name, 'dryRun': bool(dry_run), 'changes': len(result.changes),
            'actions': [a.to_dict() for a in result.actions]}


# --- update (generic update: getter -> custom -> setter, like the built-in) -------------------
def acr_replication_update_get(cmd):
    """An empty ReplicationUpdateParameters: PATCH sends only what the user changes."""
    return _models(cmd)[1]()


def acr_replication_update_custom(instance, global_endpoint_routing=None, tags=None, zone_redundancy=None,
                                  location=None, region_endpoint_enabled=None):
    from azure.cli.core.azclierror import InvalidArgumentValueError
    if zone_redundancy is not None:
        raise InvalidArgumentValueError(
            "Zone redundancy cannot be changed after a replication is created. Delete the replication with "
            f"'az acr replication delete' and create it again with --zone-redundancy {zone_redundancy}.")
    if location is not None:
        raise InvalidArgumentValueError(
            "The location of a replication cannot be changed. Create a replication in the new location with "
            f"'az acr replication create -l {location}' and delete this one.")
    if tags is not None:
        instance.tags = tags
    routing = _routing(global_endpoint_routing, region_endpoint_enabled)
    if routing is not None:
        instance.region_endpoint_enabled = routing
    return instance


def acr_replication_update_set(cmd, client, replication_name, registry_name, resource_group_name=None,
                               parameters=None, no_wait=False):
    from azure.cli.core.util import sdk_no_wait
    from azext_acr_replication.arm.errors import RETRY_PATCH
    from azext_acr_replication.arm.polling import AdaptivePolling
    deadline = _deadline(client)
    lookup = _lookup(cmd, client)
    ref = lookup.find(registry_name, resource_group_name)
    if parameters is not None and (parameters.region_endpoint_enabled is True or parameters.tags is not None):
        parameters = _respect_drain(lookup, client, ref, replication_name, parameters)
    return lookup.call(ref, lambda group: sdk_no_wait(
        no_wait, client.replications.begin_update, group, ref.name, replication_name, parameters,
        polling=AdaptivePolling(deadline=deadline), **RETRY_PATCH))


def _respect_drain(lookup, client, ref, replication_name, parameters):
    """Routing on for a drained replica removes its drain record (with a warning); tags keep it (routing/)."""
    from azext_acr_replication.arm.lookup import none_if_not_found
    from azext_acr_replication.routing.respect import adjust_update
    current = none_if_not_found(
        lambda: lookup.call(ref, lambda group: client.replications.get(group, ref.name, replication_name)))
    return adjust_update(replication_name, parameters, current, logger.warning)


# --- delete -------------------------------------------------------------------------------------
def acr_replication_delete(cmd, client, replication_name, registry_name, resource_group_name=None,
                           allow_home_replica=False, no_wait=False):
    from azure.cli.core.util import sdk_no_wait
    from azext_acr_replication.arm.polling import AdaptivePolling
    deadline = _deadline(client)
    lookup = _lookup(cmd, client)
    ref = lookup.find(registry_name, resource_group_name)
    if not allow_home_replica:
        _refuse_home_replica(lookup, client, ref, replication_name)
    return lookup.call(ref, lambda group: sdk_no_wait(
        no_wait, client.replications.begin_delete, group, ref.name, replication_name,
        polling=AdaptivePolling(deadline=deadline)))


def _refuse_home_replica(lookup, client, ref, replication_name):
    """The home replica is the one in the registry's home region, whatever its name; a cached home region
    only decides a refusal after a registry GET confirms it."""
    from azure.cli.core.azclierror import InvalidArgumentValueError
    from azext_acr_replication.arm.lookup import none_if_not_found
    replica = none_if_not_found(
        lambda: lookup.call(ref, lambda group: client.replications.get(group, ref.name, replication_name)))
    if replica is None:
        return  # nothing to protect; the DELETE answers as the built-in's does
    if ref.source != 'registry' and (not ref.location or ref.location == replica.location):
        ref = lookup.refresh(ref)
    if replica.location == ref.location:
        raise InvalidArgumentValueError(
            f"'{replica.name}' is the home replica of registry '{ref.name}' (it is in the home region, "
            f"{ref.location}). Deleting it is refused by the portal and rarely what you want; pass "
            "--allow-home-replica if you really mean it.")


# --- status ---------------------------------------------------------------------------------------
def acr_replication_status(cmd, client, registry_name, resource_group_name=None, image=None, repository=None,
                           all_repositories=False, wait=False, timeout=None, platform=None, referrers=None,
                           blobs=False, manifests=False):
    """An incomplete answer is printed all the same (scripts parse it), then the command exits 1 (3: an image
    or repository in no region) with one error line."""
    from azext_acr_replication._client_factory import bind_deadline
    from azext_acr_replication.arm.deadline import Deadline
    from azext_acr_replication.arm.errors import exit_after_output
    from azext_acr_replication.arm.api_versions import RegistryReader
    from azext_acr_replication.arm.lookup import none_if_not_found
    from azext_acr_replication.replicas import status as replica_status
    deadline = Deadline(timeout)
    bind_deadline(client, deadline)
    lookup = _lookup(cmd, client)
    ref = lookup.find(registry_name, resource_group_name)
    reader = RegistryReader(lambda version: lookup.call(ref, lambda group: lookup.arm_get(
        replica_status.registry_url(lookup.subscription, group, ref.name, version))),
        sdk_version=_sdk_api_version(client), debug=logger.debug)

    replicas_at = replica_status.ReplicaReads(
        lambda: lookup.call(ref, lambda group: list(client.replications.list(group, ref.name))),
        lambda name: lookup.call(ref, lambda group: client.replications.get(group, ref.name, name)),
        lambda path: lookup.call(ref, lambda group: lookup.arm_get(
            replica_status.registry_url(lookup.subscription, group, ref.name) + path)),
        _models(cmd)[0], lambda: reader.version, logger.debug)
    list_replicas = replicas_at.list

    def get_replica(name):
        return none_if_not_found(lambda: replicas_at.get(name))
    option = '--image' if image else '--repository' if repository else '--all-repositories' if all_repositories \
        else None
    registry = replica_status.first_read(reader, option, lambda: lookup.call(
        ref, lambda group: client.registries.get(group, ref.name)).serialize(keep_readonly=True), logger.warning)
    replicas = replica_status.with_unlisted_replicas(registry, list_replicas(), get_replica)
    if option:
        from azext_acr_replication.images.snapshot import ArmReads, Snapshot
        from azext_acr_replication.images.status import Question, answer
        snapshot = Snapshot(registry, replicas, ArmReads(reader.read, list_replicas, get_replica))
        question = Question(option, image or repository or (), wait, platforms=platform,
                            referrers=referrers or 'all', blobs=blobs, manifests=manifests)
        result, failure = answer(cmd.cli_ctx, snapshot, question, deadline, _progress(cmd))
        _table_of(cmd, {'--image': 'image_table', '--repository': 'repository_table',
                        '--all-repositories': 'catalog_table'}[option])
    elif wait:
        progress = _progress(cmd)
        try:
            result, failure = replica_status.wait_every_replica_ready(
                registry, replicas, get_replica, deadline, lambda message: progress.add(message=message))
        finally:
            progress.end()
        result = _with_drains(result, replicas)
    else:
        return _with_drains(replica_status.replica_rows(registry, replicas), replicas)
    if failure:
        message, exit_code = failure
        exit_after_output(cmd.cli_ctx, message, exit_code)
    return result


def _table_of(cmd, name):
    """-o table for what this run of `status` answered: the command's table transformer is the replica table's
    until a data-plane question gives its own (its result has another shape)."""
    from azext_acr_replication.commands import table
    command = cmd.cli_ctx.invocation.commands_loader.command_table.get(cmd.name)
    if command is not None:
        command.table_transformer = table(name)


def _with_drains(rows, replicas):
    """status rows with each replica's drain record (routing/respect.py), from the replicas as listed."""
    from azext_acr_replication.routing.command import utcnow
    from azext_acr_replication.routing.respect import with_drains
    return with_drains(rows, replicas, utcnow())


# --- probe / drain / undrain (routing/) ----------------------------------------------------------------------------
def _routing_context(cmd, client, registry_name, resource_group_name):
    import math
    from azext_acr_replication._client_factory import bind_deadline
    from azext_acr_replication.arm.deadline import Deadline
    from azext_acr_replication.routing.command import RegistryContext
    deadline = Deadline(math.inf)  # like update: a write is followed until ARM ends it
    bind_deadline(client, deadline)
    lookup = _lookup(cmd, client)
    ref = lookup.find(registry_name, resource_group_name)
    return RegistryContext(cmd, client, lookup, ref, models=_models(cmd)[1], deadline=deadline,
                           sdk_version=_sdk_api_version(client))


def _not_found_exits_3(run):
    from azure.cli.core.azclierror import ResourceNotFoundError
    from azext_acr_replication.routing.drain import ReplicaNotFound
    try:
        return run()
    except ReplicaNotFound as missing:
        raise ResourceNotFoundError(str(missing)) from None


def acr_replication_probe(cmd, client, registry_name, resource_group_name=None, image=None, samples=3, timeout=10,
                          slow_ms=2000, drain_unhealthy=False, drain_degraded=False, dry_run=False, min_routed=1,
                          reason=None):
    """The result is printed whatever the verdict; then exit 1 when a routed replica is not healthy."""
    from azext_acr_replication.arm.errors import exit_after_output
    from azext_acr_replication.routing.command import run_probe
    from azext_acr_replication.routing.health import DEGRADED, DOWN
    from azext_acr_replication.routing.probe import ProbeOptions
    options = ProbeOptions(samples=samples, timeout=timeout, slow_ms=slow_ms, image=image)
    states = ((DOWN, DEGRADED) if drain_degraded else (DOWN,)) if drain_unhealthy else None
    settings = {'reason': reason, 'min_routed': min_routed, 'dry_run': dry_run} if drain_unhealthy else {}
    result, failure = run_probe(_routing_context(cmd, client, registry_name, resource_group_name), options, states,
                                **settings)
    if failure:
        exit_after_output(cmd.cli_ctx, failure, 1)
    return result


def acr_replication_drain(cmd, client, replication_name, registry_name, reason, resource_group_name=None,
                          min_routed=1, skip_probe=False):
    from azext_acr_replication.arm.errors import exit_after_output
    from azext_acr_replication.routing.command import run_drain
    context = _routing_context(cmd, client, registry_name, resource_group_name)
    result, failure = _not_found_exits_3(lambda: run_drain(context, replication_name, reason, min_routed, skip_probe))
    if failure:
        exit_after_output(cmd.cli_ctx, failure, 1)
    return result


def acr_replication_undrain(cmd, client, replication_name, registry_name, resource_group_name=None, force=False):
    from azext_acr_replication.routing.command import run_undrain
    context = _routing_context(cmd, client, registry_name, resource_group_name)
    return _not_found_exits_3(lambda: run_undrain(context, replication_name, force))
