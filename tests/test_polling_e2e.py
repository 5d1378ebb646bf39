"""Issue 20 through az: every wait ends within about 2 s of the service, and the command keeps to one read budget
(fewer polls when ARM says few reads are left; a 429 costs one pause for the whole command, never a failure).

When an operation ended is read from the emulator's own log (when it answered the write, plus the operation's
length); when az returned is this process's clock. Both are the machine's wall clock. Before issue 20 the polls
backed off 1, 1.5, 2.25 ... s up to 30 s (15 s for --wait-ready): a 25 s operation was seen ~7 s late, and a
30 s `wait --interval` default up to 11 s late."""
import statistics
import time

REG = "-r demopremium"
OP = 25  # seconds: long enough for the old back-off to be 7 s late, short enough for CI
EXIT = 3.5  # the poll that sees the end (<= 2 s), then the final GET and az's exit on a loaded machine


def written(emu, name, method="PUT"):
    """When the emulator took the write of replica `name` (the operation's clock starts there)."""
    return [e for e in emu.requests() if e["method"] == method and e["path"].endswith("/replications/" + name)][-1][
        "start"]


def polls(emu, name):
    return [e for e in emu.requests() if e["method"] == "GET" and "/replications/{}/operationStatuses/".format(name)
            in e["path"]]


def test_create_returns_within_2_s_of_the_operation_and_reads_little(az, emu):
    emu.knobs(operation_seconds=OP)
    az("acr replication create {} -l eastus -o none".format(REG))
    returned = time.time()
    end = written(emu, "eastus") + OP
    seen = polls(emu, "eastus")[-1]["start"]  # the poll that found it Succeeded
    assert 0 <= seen - end <= 2.5, seen - end  # the schedule: every 2 s (the old back-off: 7 s late here)
    assert returned - end <= EXIT, returned - end
    gets = [e for e in emu.requests() if e["method"] == "GET"]
    assert len(polls(emu, "eastus")) <= 20 and len(gets) <= 25  # 1 s for 8 s, then 2 s: 17 polls; 30 s apart: 2


def test_wait_and_wait_ready_return_within_2_s_of_the_service(az, emu):
    emu.knobs(operation_seconds=OP)
    az("acr replication create {} -l eastus --no-wait".format(REG))
    az("acr replication wait -n eastus {} --created".format(REG))  # --interval's default 30 s is only the cap
    returned = time.time()
    assert returned - (written(emu, "eastus") + OP) <= EXIT
    # the data: Syncing for OP s after a 1 s create (the old --wait-ready back-off, up to 15 s: ~10 s late)
    emu.knobs(operation_seconds=1, sync_seconds=OP)
    az("acr replication create {} -l japaneast --wait-ready -o none".format(REG))
    returned = time.time()
    assert returned - (written(emu, "japaneast") + 1 + OP) <= EXIT


def test_few_reads_left_slow_the_polls_before_arm_has_to_throttle(az, emu):
    # the same 20 s create twice: with ARM's usual bucket, then with a nearly empty one (8 reads, refilled 0.25 a
    # second): the answers say few reads are left, and the command polls about half as often, without a single
    # 429 from ARM. Before, both runs polled alike, whatever ARM said.
    emu.knobs(operation_seconds=20)
    az("acr replication create {} -l eastus -o none".format(REG))
    usual = polls(emu, "eastus")
    emu.knobs(arm_read_bucket=8, arm_read_refill_per_second=0.25)
    az("acr replication create {} -l westeurope -o none".format(REG))
    few = polls(emu, "westeurope")
    gaps = [b["start"] - a["start"] for a, b in zip(few, few[1:])]
    assert len(few) * 1.5 <= len(usual) and statistics.median(gaps) >= 2.5, (len(usual), gaps)
    assert [e for e in emu.requests() if e["status"] == 429] == []


def test_a_429_on_a_poll_holds_every_poll_of_the_command_once_and_never_fails_it(az, emu):
    # three regions polled together; ARM throttles one poll of eastus and asks for 4 s: no read of the command
    # goes in those 4 s (one pause for all, not a 429 for each region), then the creates finish
    emu.knobs(operation_seconds=10)
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
    emu.fault(status=429, method="GET", path="/replications/uksouth/operationStatuses/", times=9, retry_after=1)
    az("acr replication create {} -l uksouth -o none".format(REG))
    assert len([e for e in emu.requests() if e["status"] == 429]) == 10
