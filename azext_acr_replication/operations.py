# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Carry out planned actions against ARM: in parallel, with fast polling, or only start them."""
from knack.log import get_logger

from azext_acr_replication import plan as planning
from azext_acr_replication.errors import RETRY_PATCH, auth_hint, describe
from azext_acr_replication.polling import AdaptivePolling
from azext_acr_replication.runner import run_parallel, watch_poller

logger = get_logger(__name__)

PREMIUM_ONLY = 'Replications are only supported for managed registries in Premium SKU.'
SAME_AS_HOME = 'Replication could not be created in the same location as the registry.'


class Executor:
    """Knows how to write one action; holds the SDK client, the models and where the registry is."""

    def __init__(self, client, models, group, registry_name, no_wait=False):
        self.client = client
        self.replication_model, self.update_model = models
        self.group = group
        self.registry = registry_name
        self.no_wait = no_wait

    def _polling(self):
        return False if self.no_wait else AdaptivePolling()

    def _finish(self, poller, outcome):
        outcome.started = True
        if self.no_wait:
            outcome.state = 'started'
            return poller.result()  # with polling=False: the body ARM sent with its 201, or None
        return watch_poller(poller, outcome)

    def create(self, action, outcome):
        want = action.wanted
        body = self.replication_model(location=want.location, tags=want.tags,
                                      region_endpoint_enabled=want.region_endpoint_enabled,
                                      zone_redundancy=want.zone_redundancy)
        poller = self.client.begin_create(self.group, self.registry, action.name, body, polling=self._polling())
        return self._finish(poller, outcome)

    def update(self, action, outcome):
        want = action.wanted
        body = self.update_model(tags=want.tags, region_endpoint_enabled=want.region_endpoint_enabled)
        poller = self.client.begin_update(self.group, self.registry, action.name, body, polling=self._polling(),
                                          **RETRY_PATCH)
        return self._finish(poller, outcome)

    def delete(self, action, outcome):
        poller = self.client.begin_delete(self.group, self.registry, action.name, polling=self._polling())
        return self._finish(poller, outcome)

    def recreate(self, action, outcome):
        # a Failed replica is deleted and created again; with --no-wait only the delete is started
        outcome.state = 'deleting'
        deleted = self.client.begin_delete(self.group, self.registry, action.name,
                                           polling=self._polling())
        outcome.started = True
        if self.no_wait:
            outcome.state = 'delete started'
            return None
        watch_poller(deleted, outcome)
        return self.create(action, outcome)

    def __call__(self, action, outcome):
        return {planning.CREATE: self.create, planning.UPDATE: self.update, planning.DELETE: self.delete,
                planning.RECREATE: self.recreate}[action.kind](action, outcome)


def apply(actions, executor, progress=None):
    """Run every writing action at once; return outcomes (failed ones carry .error)."""
    writing = [a for a in actions if a.writes]
    if not writing:
        return []

    def show(outcomes):
        if progress is not None:
            progress.add(message=', '.join(f'{o.action.name} {_short(o.state)}' for o in outcomes))

    try:
        return run_parallel(writing, executor, on_progress=show)
    except KeyboardInterrupt as interrupt:
        outcomes = getattr(interrupt, 'outcomes', [])
        started = [o.action.name for o in outcomes if o.started]
        logger.warning("Interrupted. Started: %s. Not started: %s. ARM finishes what was started; run the same "
                       "command again to converge (it skips what is already done).",
                       ', '.join(started) or 'none',
                       ', '.join(o.action.name for o in outcomes if not o.started) or 'none')
        raise


def _short(state):
    text = str(state)
    return text if len(text) < 40 else text[:37] + '...'


def report_failures(outcomes):
    """Log one line per region; raise one error naming the failed ones (exit code 1)."""
    failed = [o for o in outcomes if o.error is not None]
    if not failed:
        return
    from azure.cli.core.azclierror import AzureResponseError
    for outcome in outcomes:
        if outcome.error is None:  # action.result: 'succeeded', or 'started' with --no-wait
            logger.warning("%s: %s %s.", outcome.action.location, outcome.action.kind, outcome.action.result)
        else:
            logger.error("%s: %s failed: %s", outcome.action.location, outcome.action.kind, describe(outcome.error))
    hint = auth_hint(failed[0].error)
    if len(failed) == 1 and len(outcomes) == 1:
        action = failed[0].action
        message = (f"Could not {action.kind} replication '{action.name}' in {action.location}: "
                   f"{describe(failed[0].error)}")
    else:
        where = ', '.join(o.action.location for o in failed)
        message = (f"{len(failed)} of {len(outcomes)} operations failed ({where}). The others completed; run the "
                   "command again to retry.")
    error = AzureResponseError(message)
    if hint:
        error.set_recommendation(hint)
    raise error
