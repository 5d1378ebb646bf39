# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Carry out planned actions against ARM: in parallel, with fast polling, or only start them.

Each write survives what the real service is known to do: a 409 while another operation runs, an
LRO that ends Failed with an error of the service's own (arm/errors.py TRANSIENT_CODES), a create that fails
right after a delete of the same replica. Destructive actions are confirmed with a GET of the replica first.
"""
from knack.log import get_logger

from azext_acr_replication.replicas import plan as planning
from azext_acr_replication.arm.values import provisioning_state
from azext_acr_replication.arm.errors import (RETRY_PATCH, auth_hint, describe, is_conflict, is_transient_failure,
                                              lro_failed, retry_after)
from azext_acr_replication.arm.polling import AdaptivePolling
from azext_acr_replication.arm.deadline import Deadline
from azext_acr_replication.replicas.runner import run_parallel, watch_poller

logger = get_logger(__name__)

PREMIUM_ONLY = 'Replications are only supported for managed registries in Premium SKU.'
SAME_AS_HOME = 'Replication could not be created in the same location as the registry.'


class Patience:  # pylint: disable=too-few-public-methods
    """How long to wait before each retry, by reason; bounded so a CI job learns of a real problem. Every
    pause is also bounded by the command's Deadline."""

    def __init__(self, *, conflict=(2, 4, 8, 15, 30, 30), transient=(5, 15, 30), after_delete=(5, 15, 30),
                 gone_timeout=120):
        self.delays = {'conflict': conflict, 'transient': transient, 'after delete': after_delete}
        self.gone_timeout = gone_timeout


REASONS = {
    'conflict': 'another operation on the registry is still running (409)',
    'transient': 'ARM ended the operation Failed with a transient error',
    'after delete': 'a create right after deleting the same replica can fail while the delete settles',
}


class Executor:
    """Knows how to write one action; holds the SDK client, the models and the registry (a RegistryRef:
    its name, resource group and home region), and the command's Deadline."""

    def __init__(self, client, models, ref, *, no_wait=False, patience=None, deadline=None):
        self.client = client
        self.replication_model, self.update_model = models
        self.ref = ref
        self.no_wait = no_wait
        self.patience = patience or Patience()
        self.deadline = deadline or Deadline()

    @property
    def group(self):
        return self.ref.group

    @property
    def registry(self):
        return self.ref.name

    @property
    def home(self):
        return self.ref.location

    def _polling(self):
        return False if self.no_wait else AdaptivePolling(deadline=self.deadline)

    def _finish(self, poller, outcome):
        if self.no_wait:
            outcome.state = 'started'
            return poller.result()  # with polling=False: the body ARM sent with its 201, or None
        return watch_poller(poller, outcome)

    def _retry_reason(self, error, after_delete):
        if is_conflict(error):
            return 'conflict'
        if is_transient_failure(error):
            return 'transient'
        if after_delete and lro_failed(error):
            return 'after delete'
        return None

    def _write(self, action, outcome, start, after_delete=False):
        """start(polling) sends the write; retried, bounded, for the reasons in REASONS."""
        tries = {}
        while True:
            try:
                outcome.in_flight = True
                try:
                    poller = start(self._polling())
                finally:
                    outcome.in_flight = False
                outcome.started = True
                return self._finish(poller, outcome)
            except Exception as error:  # pylint: disable=broad-except
                reason = self._retry_reason(error, after_delete)
                delays = self.patience.delays.get(reason, ())
                done = tries.get(reason, 0)
                if reason is None or done >= len(delays):
                    raise
                tries[reason] = done + 1
                delay = retry_after(error) if reason == 'conflict' and retry_after(error) else delays[done]
                what = f"{action.location}: {action.kind} {'was refused' if reason == 'conflict' else 'ended Failed'}"
                if not self.deadline.allows(delay):
                    raise self.deadline.timed_out(f'waiting to try again: {what}: {describe(error)} '
                                                  f'({REASONS[reason]}); the next try would start after the '
                                                  'deadline') from None
                logger.warning("%s: %s (%s). Trying again in %d s (%d of %d).", what, describe(error),
                               REASONS[reason], delay, done + 1, len(delays))
                outcome.state = f'retrying in {delay:.0f} s'
                self.deadline.sleep(delay)

    def _get(self, name):
        """The replica as a GET sees it now, or None (404). The list can lag behind a GET."""
        from azext_acr_replication.arm.lookup import none_if_not_found
        return none_if_not_found(lambda: self.client.get(self.group, self.registry, name))

    def create(self, action, outcome, after_delete=False):
        want = action.wanted

        def start(polling):
            body = self.replication_model(location=want.location, tags=want.tags,
                                          region_endpoint_enabled=want.region_endpoint_enabled,
                                          zone_redundancy=want.zone_redundancy)
            return self.client.begin_create(self.group, self.registry, action.name, body, polling=polling)
        return self._write(action, outcome, start, after_delete=after_delete)

    def update(self, action, outcome):
        want = action.wanted

        def start(polling):
            body = self.update_model(tags=want.tags, region_endpoint_enabled=want.region_endpoint_enabled)
            return self.client.begin_update(self.group, self.registry, action.name, body, polling=polling,
                                            **RETRY_PATCH)
        return self._write(action, outcome, start)

    def _send_delete(self, action, outcome):
        return self._write(action, outcome, lambda polling: self.client.begin_delete(
            self.group, self.registry, action.name, polling=polling))

    def delete(self, action, outcome):
        current = self._get(action.name)
        if current is None:
            outcome.note = 'already gone'
            return None
        if self.home and current.location == self.home:
            outcome.note = 'skipped: it is the home replica'
            return current
        return self._send_delete(action, outcome)

    def recreate(self, action, outcome):
        """Delete a Failed replica and create it again with the settings it had (action.wanted keeps them)."""
        current = self._get(action.name)
        if current is not None and provisioning_state(current) not in ('Failed', 'Canceled'):
            outcome.note = f'skipped: it is {provisioning_state(current)} now (the list was out of date)'
            return current
        if current is not None:
            outcome.state = 'deleting'
            self._send_delete(action, outcome)
            if self.no_wait:
                outcome.state = 'delete started'
                outcome.note = 'delete started'
                return None
            self._wait_gone(action, outcome)
        return self.create(action, outcome, after_delete=current is not None)

    def _wait_gone(self, action, outcome):
        """After the delete LRO ends, a GET can still see the replica for a while: create only once it is 404."""
        from azext_acr_replication.arm import waiting
        from azext_acr_replication.arm.errors import ReplicationError
        description, gone = waiting.condition_for(deleted=True)
        limit = self.deadline.within(self.patience.gone_timeout)

        def still_there(_):
            outcome.state = 'waiting until deleted'
        try:
            waiting.wait_for(lambda: self._get(action.name), description, gone, limit, 10, on_progress=still_there)
        except waiting.WaitTimeout:
            if self.deadline.expired:
                raise self.deadline.timed_out(f"waiting for the deleted replication '{action.name}' to be gone "
                                              "before creating it again; run the command again.") from None
            raise ReplicationError(f"Replication '{action.name}' was deleted but a GET still shows it after "
                                   f"{self.patience.gone_timeout} s; run the command again later.") from None

    def __call__(self, action, outcome):
        return {planning.CREATE: self.create, planning.UPDATE: self.update, planning.DELETE: self.delete,
                planning.RECREATE: self.recreate}[action.kind](action, outcome)


def apply(actions, executor, progress=None, max_workers=None, label=None):
    """Run every writing action at once (at most max_workers at a time); return outcomes (failed ones
    carry .error). executor(action, outcome) writes one action; label(action) names it on the progress line."""
    writing = [a for a in actions if a.writes]
    if not writing:
        return []
    label = label or (lambda action: action.name)

    def show(outcomes):
        if progress is None:
            return
        if len(outcomes) > 6:  # a fleet: counts, then the ones still running
            finished = sum(1 for o in outcomes if o.state in ('done',) or o.error is not None)
            running = [o for o in outcomes if o.state not in ('done', 'pending') and o.error is None]
            progress.add(message=f'{finished}/{len(outcomes)} done; ' +
                         ', '.join(f'{label(o.action)} {_short(o.state)}' for o in running[:4]))
            return
        progress.add(message=', '.join(f'{label(o.action)} {_short(o.state)}' for o in outcomes))

    try:
        return run_parallel(writing, executor, on_progress=show, max_workers=max_workers)
    except KeyboardInterrupt as interrupt:
        outcomes = getattr(interrupt, 'outcomes', [])
        logger.warning("Interrupted. %s. ARM finishes what was started; run the same command again to converge "
                       "(it skips what is already done).", interrupt_report(outcomes, label))
        raise


def interrupt_report(outcomes, label=None):
    """'Started: a, b. May have started (request in flight): c. Not started: d' (empty groups left out);
    label(action) names an action (default: its replication name)."""
    label = label or (lambda action: action.name)
    groups = {}
    for outcome in outcomes:
        groups.setdefault(outcome.progress, []).append(label(outcome.action))
    order = ['started', 'may have started (request in flight)', 'not started']
    return '. '.join(f"{label[0].upper()}{label[1:]}: {', '.join(groups[label])}" for label in order
                     if label in groups) or 'Nothing was started'


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
