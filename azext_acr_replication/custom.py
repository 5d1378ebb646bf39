# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Command handlers: parse, call the domain modules, return what the CLI prints."""
# one parameter per CLI argument, as in azure-cli's own handlers:
# pylint: disable=too-many-arguments,too-many-positional-arguments,too-many-locals,unused-argument
from knack.log import get_logger

logger = get_logger(__name__)

DEFAULT_TIMEOUT = 3600


# --- shared set-up --------------------------------------------------------------------------
def _lookup(cmd, client):
    """client: the registry management client the command got from its factory (one per command)."""
    from azure.cli.core.commands.client_factory import get_subscription_id
    from azext_acr_replication._client_factory import arm_getter
    from azext_acr_replication.registry_lookup import RegistryLookup
    subscription = get_subscription_id(cmd.cli_ctx)
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


def _premium_registry(lookup, registry_name, resource_group_name):
    from azure.cli.core.azclierror import ValidationError
    from azext_acr_replication.operations import PREMIUM_ONLY
    ref = lookup.find(registry_name, resource_group_name, need_details=True)
    if ref.sku != 'Premium':
        error = ValidationError(PREMIUM_ONLY)
        error.set_recommendation(f"Registry '{ref.name}' is {ref.sku}. Upgrade it with "
                                 f"'az acr update -n {ref.name} --sku Premium'.")
        raise error
    return ref


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
    from azure.cli.core.azclierror import AzureResponseError
    from azext_acr_replication import waiting
    from azext_acr_replication.registry_lookup import is_not_found
    description, predicate = waiting.condition_for(created, updated, deleted, exists, ready, custom)
    lookup = _lookup(cmd, client)
    ref = lookup.find(registry_name, resource_group_name)

    def get():
        try:
            return lookup.call(ref, lambda group: client.replications.get(group, ref.name, replication_name))
        except Exception as error:  # pylint: disable=broad-except
            if is_not_found(error):
                return None
            raise
    progress = _progress(cmd)
    try:
        waiting.wait_for(get, description, predicate, timeout, interval,
                         on_progress=lambda r: progress.add(
                             message='waiting: ' + ('absent' if r is None else r.provisioning_state)))
    except (waiting.WaitTimeout, waiting.WaitFailed) as error:
        raise AzureResponseError(str(error)) from None
    finally:
        progress.end()


# --- create / sync ------------------------------------------------------------------------------
def _reconcile(cmd, client, registry_name, locations, resource_group_name, replication_name,
               global_endpoint_routing, zone_redundancy, tags, prune, dry_run, no_wait, wait_ready, timeout,
               refuse_home, only_wanted):
    """Shared by create and sync: plan against what exists, then apply and optionally wait for data."""
    from azure.cli.core.azclierror import InvalidArgumentValueError
    from azext_acr_replication import plan as planning
    from azext_acr_replication.operations import SAME_AS_HOME, Executor, apply, report_failures

    lookup = _lookup(cmd, client)
    ref = _premium_registry(lookup, registry_name, resource_group_name)
    home = ref.location
    if home in locations:
        if refuse_home and len(locations) == 1:
            raise InvalidArgumentValueError(SAME_AS_HOME)
        logger.warning("Skipping %s: it is the registry's home region, which always holds the home replica.", home)
    existing_models = lookup.call(ref, lambda group: list(client.replications.list(group, ref.name)))
    existing = [planning.Replica.from_sdk(m) for m in existing_models]
    wanted = [planning.Wanted(loc, name=replication_name, tags=tags, region_endpoint_enabled=global_endpoint_routing,
                              zone_redundancy=zone_redundancy) for loc in locations]
    try:
        actions = planning.plan(existing, wanted, home, prune=prune)
    except planning.PlanError as error:
        raise InvalidArgumentValueError(str(error)) from None
    if only_wanted:
        wanted_names = {w.name.lower() for w in wanted}
        actions = [a for a in actions if a.name.lower() in wanted_names]
    if dry_run:
        return actions, {m.name.lower(): m for m in existing_models}, []

    executor = Executor(client.replications, _models(cmd), ref.group, ref.name, no_wait=no_wait)
    progress = _progress(cmd)
    try:
        outcomes = apply(actions, executor, progress)
    finally:
        progress.end()
    for outcome in outcomes:
        outcome.action.result = 'started' if no_wait and outcome.error is None else (
            'succeeded' if outcome.error is None else 'failed')
        outcome.action.resource = outcome.resource
    _unknown_region_hint(cmd, outcomes)
    report_failures(outcomes)
    current = {m.name.lower(): m for m in existing_models}
    if not no_wait:
        current.update(_finish_running(cmd, client, ref, existing_models, actions))
    if wait_ready and not no_wait:
        names = [a.name for a in actions if a.kind != planning.DELETE]
        current.update(_wait_ready(cmd, client, ref, names, timeout))
    return actions, current, outcomes


def _finish_running(cmd, client, ref, existing_models, actions):
    """Replicas we left alone but that are mid-operation (e.g. after Ctrl-C): wait for them too."""
    from azext_acr_replication import waiting
    untouched = {a.name.lower() for a in actions if not a.writes}
    running = [m.name for m in existing_models
               if m.name.lower() in untouched and m.provisioning_state in ('Creating', 'Updating')]
    finished = {}
    for name in running:
        logger.warning("Replication '%s' is %s from an earlier run; waiting for it.", name,
                       next(m.provisioning_state for m in existing_models if m.name == name))
        description, predicate = waiting.condition_for(created=True)
        try:
            finished[name.lower()] = waiting.wait_for(lambda n=name: client.replications.get(ref.group, ref.name, n),
                                                      description, predicate, DEFAULT_TIMEOUT, 30)
        except waiting.WaitFailed as error:
            from azure.cli.core.azclierror import AzureResponseError
            raise AzureResponseError(str(error) + " Run 'az acr replication sync' to recreate it.") from None
    return finished


def _unknown_region_hint(cmd, outcomes):
    """Replace ARM's LocationNotAvailableForResourceType with the closest region, or the valid list."""
    bad = [o for o in outcomes if o.error is not None and
           'LocationNotAvailableForResourceType' in str(getattr(getattr(o.error, 'error', None), 'code', ''))]
    if not bad:
        return
    from azure.cli.core.azclierror import InvalidArgumentValueError
    from azext_acr_replication.names import unknown_location_message
    known = _known_regions(cmd)
    if not known:
        return
    messages = [unknown_location_message(o.action.location, known) for o in bad]
    if len(bad) == len(outcomes):
        raise InvalidArgumentValueError(' '.join(messages))
    for message in messages:
        logger.error(message)


def _known_regions(cmd):
    try:
        from azure.cli.core.commands.parameters import get_subscription_locations
        return [loc.name for loc in get_subscription_locations(cmd.cli_ctx)]
    except Exception:  # pylint: disable=broad-except
        return []


def _wait_ready(cmd, client, ref, names, timeout):
    from azure.cli.core.azclierror import AzureResponseError
    from azext_acr_replication.readiness import NotReadyError, wait_until_ready
    progress = _progress(cmd)

    def show(states):
        progress.add(message='waiting for data: ' + ', '.join(f'{n} {s}' for n, s in states.items()))
    try:
        return {name.lower(): replica for name, replica in wait_until_ready(
            lambda name: client.replications.get(ref.group, ref.name, name), names,
            DEFAULT_TIMEOUT if timeout is None else timeout, on_progress=show).items()}
    except NotReadyError as error:
        raise AzureResponseError(str(error)) from None
    finally:
        progress.end()


def acr_replication_create(cmd, client, location, registry_name, resource_group_name=None, replication_name=None,
                           global_endpoint_routing=None, zone_redundancy=None, tags=None, no_wait=False,
                           wait_ready=False, timeout=None):
    locations = location
    actions, current, outcomes = _reconcile(
        cmd, client, registry_name, locations, resource_group_name, replication_name, global_endpoint_routing,
        zone_redundancy, tags, prune=False, dry_run=False, no_wait=no_wait, wait_ready=wait_ready,
        timeout=timeout, refuse_home=True, only_wanted=True)
    for action in actions:
        if action.kind == 'none':
            logger.warning("Replication '%s' already exists with these settings; nothing to do.", action.name)
    results = []
    for action in actions:
        fresh = current.get(action.name.lower())
        if wait_ready or action.kind == 'none' or action.resource is None:
            resource = fresh or action.resource  # after a wait the fresh GET is the newest
        else:
            resource = action.resource
        if resource is not None:
            results.append(resource)
    if no_wait:
        logger.warning("Started: %s. Follow with 'az acr replication wait -r %s -n <name> --created' or "
                       "'az acr replication list -r %s -o table'.",
                       ', '.join(o.action.name for o in outcomes) or 'nothing', registry_name, registry_name)
    return results[0] if len(results) == 1 and len(locations) == 1 else results


def acr_replication_sync(cmd, client, registry_name, location, resource_group_name=None,
                         global_endpoint_routing=None, zone_redundancy=None, tags=None, prune=False, dry_run=False,
                         no_wait=False, wait_ready=False, timeout=None):
    actions, _, _ = _reconcile(
        cmd, client, registry_name, location, resource_group_name, None, global_endpoint_routing, zone_redundancy,
        tags, prune=prune, dry_run=dry_run, no_wait=no_wait, wait_ready=wait_ready, timeout=timeout,
        refuse_home=False, only_wanted=False)
    changes = [a for a in actions if a.writes]
    if dry_run:
        for action in actions:
            action.result = 'planned' if action.writes else 'unchanged'
    else:
        for action in actions:
            action.result = action.result or 'unchanged'
    if not changes:
        logger.warning("Registry '%s' already matches: nothing to do.", registry_name)
    return {'registry': registry_name, 'dryRun': bool(dry_run), 'changes': len(changes),
            'actions': [a.to_dict() for a in actions]}


# --- update (generic update: getter -> custom -> setter, like the built-in) -------------------
def acr_replication_update_get(cmd):
    """An empty ReplicationUpdateParameters: PATCH sends only what the user changes."""
    return _models(cmd)[1]()


def acr_replication_update_custom(instance, global_endpoint_routing=None, tags=None, zone_redundancy=None,
                                  location=None):
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
    if global_endpoint_routing is not None:
        instance.region_endpoint_enabled = global_endpoint_routing
    return instance


def acr_replication_update_set(cmd, client, replication_name, registry_name, resource_group_name=None,
                               parameters=None, no_wait=False):
    from azure.cli.core.util import sdk_no_wait
    from azext_acr_replication.errors import RETRY_PATCH
    from azext_acr_replication.polling import AdaptivePolling
    lookup = _lookup(cmd, client)
    ref = lookup.find(registry_name, resource_group_name)
    return lookup.call(ref, lambda group: sdk_no_wait(
        no_wait, client.replications.begin_update, group, ref.name, replication_name, parameters,
        polling=AdaptivePolling(), **RETRY_PATCH))


# --- delete -------------------------------------------------------------------------------------
def acr_replication_delete(cmd, client, replication_name, registry_name, resource_group_name=None,
                           allow_home_replica=False, no_wait=False):
    from azure.cli.core.azclierror import InvalidArgumentValueError
    from azure.cli.core.util import sdk_no_wait
    from azext_acr_replication.names import normalize_location
    from azext_acr_replication.polling import AdaptivePolling
    lookup = _lookup(cmd, client)
    ref = lookup.find(registry_name, resource_group_name)
    if not ref.location:
        ref = lookup.find(registry_name, ref.group, need_details=True)
    if normalize_location(replication_name) == ref.location and not allow_home_replica:
        raise InvalidArgumentValueError(
            f"'{replication_name}' is the home replica of registry '{ref.name}' (its home region). Deleting it is "
            "refused by the portal and rarely what you want; pass --allow-home-replica if you really mean it.")
    return lookup.call(ref, lambda group: sdk_no_wait(
        no_wait, client.replications.begin_delete, group, ref.name, replication_name, polling=AdaptivePolling()))
