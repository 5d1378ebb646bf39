# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Run several replication operations at once and watch them together."""
import queue
import threading

from azext_acr_replication.arm.errors import describe


class Outcome:  # pylint: disable=too-few-public-methods
    def __init__(self, action):
        self.action = action
        self.state = 'pending'
        self.started = False     # ARM accepted a write of this action
        self.in_flight = False   # a write is on the wire: ARM may have accepted it, we do not know yet
        self.note = None         # a result other than the usual one (e.g. 'skipped: ...')
        self.resource = None
        self.error = None

    @property
    def progress(self):
        """'started', 'may have started (request in flight)' or 'not started': for the Ctrl-C report."""
        if self.started:
            return 'started'
        return 'may have started (request in flight)' if self.in_flight else 'not started'

    @property
    def ok(self):
        return self.error is None and self.state != 'pending'


def run_parallel(actions, execute, on_progress=None, tick=0.25, max_workers=None):
    """Run execute(action, outcome) for every action (anything with a .name: a planned action, or a
    registry of a fleet), each in its own daemon thread, at most max_workers at a time (all at once
    when None). Daemon threads, unlike a ThreadPoolExecutor's, never hold the process at exit: a
    Ctrl-C ends the command at once even while requests are in flight.

    execute sets outcome.started when its first write was accepted and may update outcome.state
    as it goes. Returns the outcomes in the order of actions. On Ctrl-C the threads are left to
    die with the process and KeyboardInterrupt carries the outcomes (as .outcomes) to the caller.
    """
    outcomes = [Outcome(action) for action in actions]
    done = queue.Queue()
    slots = threading.Semaphore(max_workers or len(outcomes) or 1)

    def work(outcome):
        slots.acquire()  # pylint: disable=consider-using-with
        try:
            outcome.resource = execute(outcome.action, outcome)
            outcome.state = 'done'
        except Exception as error:  # pylint: disable=broad-except
            outcome.error = error
            outcome.state = 'failed: ' + describe(error)
        finally:
            slots.release()
            done.put(outcome)

    for outcome in outcomes:
        threading.Thread(target=work, args=(outcome,), daemon=True,
                         name='replication-' + outcome.action.name).start()
    remaining = len(outcomes)
    try:
        while remaining:
            try:
                done.get(timeout=tick)
                remaining -= 1
            except queue.Empty:
                pass
            if on_progress:
                on_progress(outcomes)
    except KeyboardInterrupt as interrupt:
        interrupt.outcomes = outcomes
        raise
    return outcomes


def watch_poller(poller, outcome, tick=0.5):
    """Block on an LRO poller, copying its status into outcome.state for the progress line."""
    while not poller.done():
        outcome.state = poller.status()
        poller.wait(tick)
    outcome.state = poller.status()
    return poller.result()
