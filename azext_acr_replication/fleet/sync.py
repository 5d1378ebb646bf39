# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""`sync --file`: many registries, one plan. Plan every registry (reads in parallel, bounded), then
apply every write across registries in parallel (bounded), then wait per registry as asked.

A registry that cannot be planned or applied is reported and the others still go ahead. Plain
Python over reconcile's Context objects (one per subscription): testable with fakes.
"""
from knack.log import get_logger

from azext_acr_replication.replicas import reconcile
from azext_acr_replication.arm.errors import describe
from azext_acr_replication.replicas.operations import apply, interrupt_report
from azext_acr_replication.replicas.runner import run_parallel

logger = get_logger(__name__)

PLAN_PARALLEL = 8     # registries read at once
WRITE_PARALLEL = 32   # replica writes in flight at once, across registries


class FleetItem:  # pylint: disable=too-few-public-methods
    """One registry of the fleet: what is wanted, its plan once made, and what went wrong (or None)."""

    def __init__(self, desired, subscription):
        self.desired = desired
        self.subscription = subscription
        self.plan = None
        self.error = None

    @property
    def name(self):
        return self.desired.registry

    def to_dict(self, dry_run):
        actions = self.plan.actions if self.plan else []
        for action in actions:
            if dry_run:
                action.result = 'planned' if action.writes else 'unchanged'
            else:
                action.result = action.result or ('not started' if action.writes and self.error else 'unchanged')
        result = {'registry': self.desired.registry, 'subscription': self.subscription,
                  'resourceGroup': self.plan.ref.group if self.plan else self.desired.resource_group,
                  'dryRun': bool(dry_run), 'changes': len([a for a in actions if a.writes]),
                  'actions': [a.to_dict() for a in actions]}
        if self.error:
            result['error'] = self.error
        return result


def _message(error):
    """One line for a registry's failure: the azclierror's text, or ARM's code and message."""
    from azure.cli.core.azclierror import AzCLIError
    if isinstance(error, AzCLIError):
        return ' '.join([str(error.error_msg)] + list(error.recommendations))
    return describe(error)


def plan_all(contexts, items, options):
    """Plan every item in parallel (bounded); an item that cannot be planned keeps its error."""
    def plan_one(item, _):
        try:
            item.plan = reconcile.plan_registry(contexts[item.subscription], item.desired, options)
        except Exception as error:  # pylint: disable=broad-except
            item.error = _message(error)
    try:
        run_parallel(items, plan_one, max_workers=PLAN_PARALLEL)
    except KeyboardInterrupt:
        logger.warning("Interrupted while planning. Nothing was started: planning only reads, no registry was "
                       "changed. Run the same command again.")
        raise


def _label(owners):
    return lambda action: f'{owners[id(action)].desired.registry}/{action.name}'


def apply_all(contexts, items, options, progress):
    """Every write of every planned registry at once (bounded); one progress line for all. Returns the
    outcomes of the writes (the Ctrl-C report of a later phase names them)."""
    planned = [item for item in items if item.plan is not None and item.error is None]
    executors, owners, actions = {}, {}, []
    for item in planned:
        executor = reconcile.executor_for(contexts[item.subscription], item.plan, options)
        for action in item.plan.actions:
            if action.writes:
                executors[id(action)] = executor
                owners[id(action)] = item
                actions.append(action)
    try:  # on Ctrl-C apply() reports what was started, by these labels
        outcomes = apply(actions, lambda action, outcome: executors[id(action)](action, outcome), progress,
                         max_workers=WRITE_PARALLEL, label=_label(owners))
    finally:
        progress.end()
    for item in planned:
        mine = [o for o in outcomes if owners[id(o.action)] is item]
        reconcile.record_outcomes(item.plan, mine, options)
        failed = [o for o in mine if o.error is not None]
        if failed:
            item.error = '; '.join(f'{o.action.kind} {o.action.location} failed: {describe(o.error)}' for o in failed)
    return outcomes, _label(owners)


def wait_all(contexts, items, options, written=((), None)):
    """Per registry, in parallel: replicas other runs are creating, and --wait-ready. written: apply_all's
    (outcomes, label), for the Ctrl-C report."""
    def wait_one(item, _):
        try:
            reconcile.wait_after(contexts[item.subscription], item.plan, options, show_progress=False)
        except Exception as error:  # pylint: disable=broad-except
            item.error = _message(error)
    waiting = [item for item in items if item.plan is not None and item.error is None]
    try:
        run_parallel(waiting, wait_one, max_workers=PLAN_PARALLEL)
    except KeyboardInterrupt:
        outcomes, label = written
        done = interrupt_report(outcomes, label) if outcomes else 'Nothing was started (nothing needed a change)'
        logger.warning("Interrupted while waiting. %s. ARM finishes what was started; run the same command again "
                       "to keep waiting (it skips what is already done).", done)
        raise


def sync_fleet(contexts, items, options, progress):
    """contexts: subscription -> reconcile.Context; items: [FleetItem]; options: the command's RunOptions
    (one Deadline for every phase). Returns the items, errors included. Ctrl-C in any phase stops at once
    (the work runs on daemon threads) with a report of what was started."""
    plan_all(contexts, items, options)
    if options.dry_run:
        return items
    written = apply_all(contexts, items, options, progress)
    if not options.no_wait:
        wait_all(contexts, items, options, written)
    return items
