# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
# pylint: disable=too-many-positional-arguments  # one parameter per CLI argument, as in azure-cli handlers
"""`az acr replication wait`: poll one replica until a condition holds. No az needed to test it.

Unlike the CLI's generic wait (which returns its timeout error instead of raising it, so the
command exits 0), a timeout here is an error with exit code 1. Polls follow PollSchedule (every second, then
every 2 s, slower only after minutes), at most `interval` apart.
"""
from azext_acr_replication.arm.values import display_status, provisioning_state, state_of
from azext_acr_replication.arm.errors import ReplicationError
from azext_acr_replication.arm.deadline import TimedOut
from azext_acr_replication.arm.polling import PollSchedule

WaitTimeout = TimedOut  # the name the wait command's callers know


class WaitFailed(ReplicationError):
    pass


def condition_for(created=False, updated=False, deleted=False, exists=False, ready=False, custom=None):
    """(description, predicate(replica_or_None)) for the one condition asked for."""
    def provisioned(replica):
        if replica is None:
            return False
        if provisioning_state(replica) in ('Failed', 'Canceled'):
            raise WaitFailed(f"Replication '{replica.name}' is {provisioning_state(replica)}.")
        return provisioning_state(replica) == 'Succeeded'

    if created:
        return 'created', provisioned
    if updated:
        return 'updated', provisioned
    if deleted:
        return 'deleted', lambda replica: replica is None
    if exists:
        return 'present', lambda replica: replica is not None
    if ready:
        return 'Ready (data synced)', lambda replica: provisioned(replica) and display_status(replica) == 'Ready'
    if custom:
        import jmespath
        from azure.cli.core.util import todict
        expression = jmespath.compile(custom)
        return f"matching '{custom}'", lambda replica: replica is not None and bool(
            expression.search(todict(replica)))
    raise ValueError('incorrect usage: --created | --updated | --deleted | --exists | --ready | --custom JMESPATH')


def wait_for(get, description, predicate, deadline, interval, on_progress=None):
    """Call get() (None when the replica does not exist) until predicate holds; return the last value.
    deadline: the command's Deadline; one last look is taken when it is reached. interval: the longest pause."""
    schedule = PollSchedule(cap=interval, clock=deadline.clock)
    while True:
        current = get()
        if predicate(current):
            return current
        if on_progress:
            on_progress(current)
        if deadline.expired:
            state = 'absent' if current is None else state_of(current)
            raise deadline.timed_out(f"waiting for the replication to be {description}; it is {state}. Nothing "
                                     "was changed; run the command again to keep waiting.")
        deadline.sleep(schedule.next())
