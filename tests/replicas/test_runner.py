"""replicas/runner.py: the regions' operations run at once, each failure kept to its own outcome."""
import threading
import time

import pytest

from azext_acr_replication.replicas import plan as planning
from azext_acr_replication.replicas.runner import run_parallel

pytestmark = pytest.mark.unit


def test_run_parallel_runs_at_once_and_keeps_failures_separate():
    actions = [planning.Action("create", name, name, "missing") for name in ("a", "b", "c")]
    barrier = threading.Barrier(3, timeout=5)

    def execute(action, outcome):
        barrier.wait()  # only passes if all three run at the same time
        outcome.started = True
        if action.name == "b":
            raise RuntimeError("boom")
        return action.name.upper()
    started = time.monotonic()
    outcomes = run_parallel(actions, execute, tick=0.01)
    assert time.monotonic() - started < 5
    assert [o.resource for o in outcomes] == ["A", None, "C"]
    assert [o.ok for o in outcomes] == [True, False, True] and "boom" in outcomes[1].state
