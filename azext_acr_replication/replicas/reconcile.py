# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Make one registry's replicas match a DesiredRegistry: look it up, plan, apply, wait.

Shared by create and sync (and fleet sync, one registry at a time). Plain Python over an SDK
client: a test can drive it with fakes.
"""
from knack.log import get_logger

from azext_acr_replication.replicas import plan as planning
from azext_acr_replication.arm.values import provisioning_state
from azext_acr_replication.replicas.operations import PREMIUM_ONLY, SAME_AS_HOME, Executor, apply, report_failures

logger = get_logger(__name__)

RUNNING = ('Creating', 'Updating')


class Context:  # pylint: disable=too-few-public-methods
    """What a command holds for one subscription: the management client, the registry lookup, the SDK
    models, and how to show progress and name valid regions."""

    def __init__(self, client, lookup, models, *, progress=None, known_regions=None, patience=None, plan_hook=None):
        self.client = client
        self.lookup = lookup
        self.models = models
        self.progress = progress or _NoProgress()
        self.known_regions = known_regions or (lambda: [])
        self.patience = patience
        # plan_hook(actions, listed models) -> actions: the package top's say over a plan before it is shown or
        # applied (routing/ keeps drained replicas out of routing with it); None: the plan as planned
        self.plan_hook = plan_hook


class _NoProgress:
    def add(self, **_):
        pass

    def end(self):
        pass


class RegistryPlan:  # pylint: disable=too-few-public-methods
    """One registry's plan: where it is, what exists, what will change."""

    def __init__(self, ref, desired, actions, existing):
        self.ref = ref
        self.desired = desired
        self.actions = actions
        self.existing = existing  # lower-case name -> SDK model, as listed
        self.outcomes = []
        self.current = dict(existing)  # lower-case name -> newest model seen

    @property
    def changes(self):
        return [a for a in self.actions if a.writes]

    def asked_about(self, action):
        """The regions the command named (not the replicas it only keeps or prunes)."""
        return action.wanted is not None


def premium_registry(lookup, registry_name, resource_group_name):
    """The registry's RegistryRef, refused unless a registry GET says Premium (the resources query lags)."""
    from azure.cli.core.azclierror import ValidationError
    ref = lookup.find(registry_name, resource_group_name, need_details=True)
    if ref.sku != 'Premium' and ref.source != 'registry':
        ref = lookup.refresh(ref)  # e.g. upgraded a minute ago: the listed SKU is still the old one
    if ref.sku != 'Premium':
        error = ValidationError(PREMIUM_ONLY)
        error.set_recommendation(f"Registry '{ref.name}' is {ref.sku}. Upgrade it with "
                                 f"'az acr update -n {ref.name} --sku Premium'.")
        raise error
    return ref


def plan_registry(ctx, desired, options):
    """Look the registry up and plan it; no writes. Raises for what the user must decide."""
    from azure.cli.core.azclierror import InvalidArgumentValueError
    ref = premium_registry(ctx.lookup, desired.registry, desired.resource_group)
    client = ctx.client
    if ref.location in desired.locations and options.is_create:
        # create keeps the built-in's refusal of a lone home region; sync (a desired state) is satisfied quietly
        if len(desired.locations) == 1:
            raise InvalidArgumentValueError(SAME_AS_HOME)
        logger.warning("Skipping %s: it is the home region of registry '%s', which always holds the home replica.",
                       ref.location, ref.name)
    models = ctx.lookup.call(ref, lambda group: list(client.replications.list(group, ref.name)))
    existing = [planning.Replica.from_sdk(m) for m in models]
    try:
        actions = planning.plan(existing, desired.wanted(), ref.location, prune=desired.prune)
    except planning.PlanError as error:
        raise InvalidArgumentValueError(str(error)) from None
    if options.is_create:
        actions = [a for a in actions if a.wanted is not None]
    if ctx.plan_hook is not None:
        actions = ctx.plan_hook(actions, models)
    return RegistryPlan(ref, desired, actions, {m.name.lower(): m for m in models})


def executor_for(ctx, registry_plan, options):
    return Executor(ctx.client.replications, ctx.models, registry_plan.ref, no_wait=options.no_wait,
                    patience=ctx.patience, deadline=options.deadline)


def record_outcomes(registry_plan, outcomes, options):
    """Each action's result: failed, started (--no-wait), succeeded, or what the executor noted."""
    registry_plan.outcomes = outcomes
    for outcome in outcomes:
        if outcome.error is not None:
            result = 'failed'
        else:
            result = outcome.note or ('started' if options.no_wait else 'succeeded')
        outcome.action.result = result
        outcome.action.resource = outcome.resource


def wait_after(ctx, registry_plan, options, show_progress=True):
    """Wait for replicas another run is still creating, then (--wait-ready) for the data; both within the
    command's deadline."""
    registry_plan.current.update(_finish_running(ctx, registry_plan, options.deadline))
    if options.wait_ready:
        names = [a.name for a in registry_plan.actions
                 if registry_plan.asked_about(a) and a.kind != planning.DELETE]
        registry_plan.current.update(_wait_ready(ctx, registry_plan.ref, names, options.deadline, show_progress))


def carry_out(ctx, registry_plan, options):
    """Apply the plan's writes in parallel, then wait as asked. Raises one error naming failed regions."""
    try:
        outcomes = apply(registry_plan.actions, executor_for(ctx, registry_plan, options), ctx.progress)
    finally:
        ctx.progress.end()
    record_outcomes(registry_plan, outcomes, options)
    _unknown_region_hint(ctx, outcomes)
    report_failures(outcomes)
    if not options.no_wait:
        wait_after(ctx, registry_plan, options)
    return registry_plan


def reconcile(ctx, desired, options):
    registry_plan = plan_registry(ctx, desired, options)
    if options.dry_run:
        return registry_plan
    return carry_out(ctx, registry_plan, options)


def _finish_running(ctx, registry_plan, deadline):
    """Asked-about replicas we left alone that are mid-operation (another run, or one cut short): wait for them."""
    from azext_acr_replication.arm import waiting
    ref = registry_plan.ref
    running = [(a.name, provisioning_state(registry_plan.existing[a.name.lower()]))
               for a in registry_plan.actions
               if not a.writes and registry_plan.asked_about(a) and a.name.lower() in registry_plan.existing and
               provisioning_state(registry_plan.existing[a.name.lower()]) in RUNNING]
    finished = {}
    for name, state in running:
        logger.warning("Replication '%s' is %s (started by an earlier or another run); waiting for it.", name, state)
        description, predicate = waiting.condition_for(created=True)
        try:
            finished[name.lower()] = waiting.wait_for(
                lambda n=name: ctx.client.replications.get(ref.group, ref.name, n), description, predicate,
                deadline, 30)
        except waiting.WaitFailed as error:
            raise waiting.WaitFailed(str(error) + " Run 'az acr replication sync' to recreate it.") from None
    return finished


def _unknown_region_hint(ctx, outcomes):
    """Replace ARM's LocationNotAvailableForResourceType with the closest region, or the valid list."""
    bad = [o for o in outcomes if o.error is not None and
           'LocationNotAvailableForResourceType' in str(getattr(getattr(o.error, 'error', None), 'code', ''))]
    if not bad:
        return
    from azure.cli.core.azclierror import InvalidArgumentValueError
    from azext_acr_replication.arm.names import unknown_location_message
    known = ctx.known_regions()
    if not known:
        return
    messages = [unknown_location_message(o.action.location, known) for o in bad]
    if len(bad) == len(outcomes):
        raise InvalidArgumentValueError(' '.join(messages))
    for message in messages:
        logger.error(message)


def _wait_ready(ctx, ref, names, deadline, show_progress=True):
    from azext_acr_replication.replicas.readiness import wait_until_ready
    progress = ctx.progress if show_progress else _NoProgress()

    def show(states):
        progress.add(message='waiting for data: ' + ', '.join(f'{n} {s}' for n, s in states.items()))
    try:
        return {name.lower(): replica for name, replica in wait_until_ready(
            lambda name: ctx.client.replications.get(ref.group, ref.name, name), names, deadline,
            on_progress=show).items()}
    finally:
        progress.end()
