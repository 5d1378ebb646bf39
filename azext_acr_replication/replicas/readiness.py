# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Wait until replicas hold the data (displayStatus Ready), not only until ARM says Succeeded."""
from azext_acr_replication.arm.values import display_status, provisioning_state, state_of
from azext_acr_replication.arm.errors import ReplicationError
from azext_acr_replication.arm.polling import PollSchedule

READY = 'Ready'
ENDED_BADLY = ('Failed', 'Canceled')


class NotReadyError(ReplicationError):
    def __init__(self, message, states):
        super().__init__(message)
        self.states = states


def wait_until_ready(get, names, deadline, on_progress=None, schedule=None):
    """Poll get(name) for every name until all are Ready, on a PollSchedule (Syncing can take hours: the
    schedule slows down after minutes). Return {name: replica}.

    Raises NotReadyError when the command's Deadline passes or a replica fails; replicas are left as they are.
    """
    schedule = schedule or PollSchedule(clock=deadline.clock)
    latest = {}
    pending = list(names)
    while True:
        for name in list(pending):
            replica = get(name)
            latest[name] = replica
            if provisioning_state(replica) in ENDED_BADLY:
                raise NotReadyError(f"Replication '{name}' is {provisioning_state(replica)}; it will not become "
                                    "Ready. Run 'az acr replication sync' to recreate it.", _states(latest))
            if display_status(replica) == READY:
                pending.remove(name)
        if on_progress:
            on_progress(_states(latest))
        if not pending:
            return latest
        if deadline.expired:
            waiting = ', '.join(f'{n} ({state_of(latest[n])})' for n in pending)
            raise NotReadyError(deadline.message(
                f"waiting for data to sync: {waiting} not Ready yet. The replicas are left as they are; run "
                "'az acr replication wait --ready' to keep waiting."), _states(latest))
        deadline.sleep(schedule.next())


def _states(latest):
    return {name: state_of(r) for name, r in latest.items()}
