"""How the commands poll ARM, through the real az: every wait ends within about 2 s of the service (an LRO, `wait`
with its default --interval of 30 s as the longest pause, --wait-ready), a Retry-After from ARM is honoured, and
the command keeps to one read budget per subscription: fewer polls when ARM says few reads are left, and a 429
holds every read of the command in that subscription once (never a failure, never another subscription's reads).
update and delete, which have no --timeout, follow a write however long it runs, as the built-in does.

Smoke tests, one per behaviour, each waiting on purpose: the schedule, the budget and their limits are proven on a
fake clock by the unit tests of arm/polling.py, arm/budget.py and tests/arm/test_polling_schedule.py. When an
operation ended is read from the emulator's log (when it took the write, plus the operation's length) or from
when the test set the replica up; when az returned is this process's clock. Both are the machine's wall clock."""
import os
import threading
import time

import pytest

from emulator.state import SECOND_SUBSCRIPTION_ID
from tests.azcli import GUARD_DIR
from tests.helpers import REG, statuses

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

OP = 14  # seconds: past the first 8 s, polled every second, onto the 2 s grid (a back-off would be ~7 s late)
LATE = 3.0  # the poll that sees the end: at most one step (2 s) after it, plus an answer on a loaded machine
EXIT = 5.0  # that poll, then the final GET and az's exit on a loaded machine (a back-off from 1 s: ~7 s late)


def written(emu, name, method="PUT"):
    """When the emulator took the write of replica `name` (the operation's clock starts there)."""
    return [e for e in emu.requests() if e["method"] == method and e["path"].endswith("/replications/" + name)][-1][
        "start"]


def polls(emu, name):
    return [e for e in emu.requests() if e["method"] == "GET" and "/replications/{}/operationStatuses/".format(name)
            in e["path"]]


def test_create_returns_within_2_s_of_the_operation_and_reads_little(az, emu):
    """An LRO is polled on the schedule (at once, every second for 8 s, then every 2 s), not azure-core's 30 s
    default nor a back-off: the create returns within ~2 s of ARM ending it, after a bounded number of reads."""
    emu.knobs(operation_seconds=OP)
    az("acr replication create {} -l eastus -o none".format(REG))
    returned = time.time()
    end = written(emu, "eastus") + OP
    seen = polls(emu, "eastus")[-1]["start"]  # the poll that found it Succeeded
    assert 0 <= seen - end <= LATE, seen - end
    assert returned - end <= EXIT, returned - end
    # at once, every second for 8 s, then every 2 s: 12 polls (the built-in's 30 s: 1, but up to 30 s late)
    assert 3 <= len(polls(emu, "eastus")) <= 14
    assert len([e for e in emu.requests() if e["method"] == "GET"]) <= 20


def test_wait_and_wait_ready_return_within_2_s_of_the_service(az, emu):
    """`wait --created` (--interval's default 30 s is only the longest pause) and `create --wait-ready` on a
    replica whose data syncs, side by side: each returns within ~2 s of what it waits for."""
    emu.knobs(operation_seconds=OP, sync_seconds=OP)
    begun = time.time()
    emu.add_replicas("demopremium", "eastus", state="Creating")  # its create ends OP s from now
    emu.add_replicas("demopremium", "japaneast", syncing=True)  # its data is Ready OP s from now
    results = {}

    def run(name, command):
        result = az(command, expect=None)
        results[name] = (result, time.time())
    threads = [threading.Thread(target=run, args=("wait", "acr replication wait -n eastus {} --created".format(REG))),
               threading.Thread(target=run, args=("ready", "acr replication create {} -l japaneast --wait-ready "
                                                           "-o none".format(REG)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for name, (result, returned) in results.items():
        assert result.code == 0, result
        assert 0 <= returned - (begun + OP) <= EXIT, (name, returned - (begun + OP))
    assert sorted(results) == ["ready", "wait"]


def test_retry_after_is_honoured(az, emu):
    emu.knobs(operation_seconds=0.5, retry_after=2)
    az("acr replication create {} -l japaneast".format(REG))
    started = [e["start"] for e in emu.requests() if "operationStatuses" in e["path"]]
    assert len(started) >= 2 and started[1] - started[0] >= 1.9


def test_few_reads_left_slow_the_polls_before_arm_has_to_throttle(az, emu):
    # ARM's bucket nearly empty (6 reads, refilled 0.25 a second): its answers say few reads are left, and the
    # command polls less often than its schedule alone would (at once, then every second: 9 polls in the first 8 s
    # after the write), without a single 429 from ARM
    emu.knobs(operation_seconds=10, arm_read_bucket=6, arm_read_refill_per_second=0.25)
    az("acr replication create {} -l eastus -o none".format(REG))
    start = written(emu, "eastus")
    early = [e["start"] - start for e in polls(emu, "eastus") if e["start"] - start < 8]
    assert len(early) <= 6, early
    assert [e for e in emu.requests() if e["status"] == 429] == []


def test_a_429_on_a_poll_holds_every_poll_of_the_command_once_and_never_fails_it(az, emu):
    # three regions polled together; ARM throttles one poll of eastus and asks for 4 s: no read of the command
    # goes in those 4 s (one pause for all, not a 429 for each region), then the creates finish
    emu.knobs(operation_seconds=9)
    emu.fault(status=429, method="GET", path="/replications/eastus/operationStatuses/", times=1, skip=3,
              retry_after=4)
    az("acr replication create {} -l eastus westeurope japaneast -o none".format(REG))
    log = emu.requests()
    throttled = [i for i, e in enumerate(log) if e["status"] == 429]
    assert len(throttled) == 1
    at = log[throttled[0]]["start"]
    after = [e["start"] - at for e in log if e["method"] == "GET" and e["start"] > at + 0.2]  # (the other regions'
    assert after and min(after) >= 3.9, after  # polls of that instant were already on their way)
    # more 429s in a row than azure-core's tries (6): each costs its pause, none fails the command
    emu.clear_log()
    emu.knobs(operation_seconds=0)
    emu.fault(status=429, method="GET", path="/replications/uksouth/operationStatuses/", times=9, retry_after=1)
    az("acr replication create {} -l uksouth -o none".format(REG))
    assert statuses(emu, "GET", "/replications/uksouth/operationStatuses/").count(429) == 9


def test_a_429_in_one_subscription_does_not_hold_the_reads_of_another(az, emu, tmp_path):
    # ARM: "Subscription limits apply per subscription, per service principal, and per operation type": a 429 (and
    # its Retry-After) for subscription 1 says nothing about subscription 2. A fleet over both: ARM throttles one
    # poll in subscription 1 and asks for 8 s; the replica in subscription 2 goes on being polled on its schedule
    emu.knobs(operation_seconds=6)
    emu.fault(status=429, method="GET", path="/registries/demopremium/replications/eastus/operationStatuses/",
              times=1, skip=1, retry_after=8)
    path = tmp_path / "fleet.yaml"
    path.write_text("registries:\n  - name: demopremium\n    locations: [eastus]\n"
                    "  - name: teampremium\n    subscription: {}\n    locations: [japaneast]\n".format(
                        SECOND_SUBSCRIPTION_ID))
    az("acr replication sync --file {} -o none".format(path))
    log = emu.requests()
    at = [e for e in log if e["status"] == 429][0]["start"]
    other = [e["start"] - at for e in log if e["method"] == "GET" and SECOND_SUBSCRIPTION_ID in e["path"]
             and e["start"] > at + 0.2]
    assert other and other[0] <= 4.0, other[:4]  # held with subscription 1: 8 s


HOOK = '''\
import importlib.machinery
import os
import runpy
import sys

runpy.run_path(os.environ["ACR_TEST_GUARD"])  # the harness's network guard, as usual
SECONDS = int(os.environ["ACR_TEST_DEFAULT_TIMEOUT"])


class _ShorterDefault:
    def find_spec(self, name, path, target=None):
        if name != "azext_acr_replication.arm.deadline":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            module.DEFAULT_TIMEOUT = SECONDS
        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _ShorterDefault())
'''


def test_a_delete_that_outlasts_the_default_deadline_succeeds_as_with_the_builtin(az, builtin_az, emu, tmp_path):
    """update and delete have no --timeout: a delete is followed until ARM ends it, as the built-in does, however
    long past the default deadline (an hour) it runs. An hour is impractical here, so in these az processes (real
    processes: the default is changed as the extension is imported) the default is 2 s and the delete takes 6 s;
    a create, which has --timeout, shows that the shorter default is in force."""
    emu.add_replicas("demopremium", "eastus", "westeurope")
    emu.knobs(operation_seconds=6, retry_after=1)
    builtin = builtin_az.start("acr replication delete {} -n westeurope".format(REG))
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(HOOK)
    az.env.update(PYTHONPATH=str(hook), ACR_TEST_DEFAULT_TIMEOUT="2",
                  ACR_TEST_GUARD=os.path.join(GUARD_DIR, "sitecustomize.py"))
    create = az.popen("acr replication create {} -l uksouth".format(REG))
    delete = az.popen("acr replication delete {} -n eastus".format(REG))
    _, create_err = create.communicate(timeout=120)
    _, delete_err = delete.communicate(timeout=120)
    _, builtin_err = builtin.communicate(timeout=120)
    assert create.returncode == 1 and "Timed out after 2 s (--timeout 2)" in create_err, create_err
    assert builtin.returncode == 0, builtin_err  # the built-in waits as long as the operation runs
    assert delete.returncode == 0, delete_err
    assert "--timeout" not in delete_err
    gone = [e["start"] for e in emu.requests() if e["method"] == "GET" and e["status"] == 404
            and e["path"].endswith("/replications/eastus")]
    assert gone and gone[-1] - written(emu, "eastus", "DELETE") >= 5  # followed well past the 2 s default
