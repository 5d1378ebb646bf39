"""--timeout is one deadline for the whole command (issue 19, item 5): waits for replicas other runs are
creating, --wait-ready, fleet waits, LRO polls, 409 back-off, Retry-After and transient-failure pauses
all share it, no pause runs past it, and the message says the time really spent.

Each test measures the whole `az` process; az start-up and exit take 1-3 s on a loaded machine, so the
bounds are the deadline plus 6 s, against 8 s or more (often minutes) before the change."""
import re
import time

REG = "-r demopremium"
SLACK = 6  # az start-up, exit and a loaded machine


def spent(stderr):
    """N of 'Timed out after N s (--timeout T)'."""
    found = re.search(r"Timed out after (\d+) s \(--timeout (\d+)\)", stderr)
    assert found, stderr
    return int(found.group(1)), int(found.group(2))


def test_waits_of_one_command_share_one_deadline_and_the_message_says_the_time_spent(az, emu):
    # eastus is still being created by an earlier --no-wait run (8 s), then never becomes Ready: sync waits for
    # the first, then for the data; before, each wait had its own 10 s (18 s in all, message '10 s')
    emu.knobs(operation_seconds=8, stuck_regions=["eastus"])
    az("acr replication create {} -l eastus --no-wait".format(REG))
    result = az("acr replication sync {} -l eastus --wait-ready --timeout 10".format(REG), expect=1)
    assert "is Creating (started by an earlier or another run); waiting for it" in result.stderr
    assert spent(result.stderr) == (10, 10) and "eastus (Syncing)" in result.stderr
    assert result.seconds < 10 + SLACK, result.seconds


def test_a_long_running_operation_is_followed_only_until_the_deadline(az, emu):
    emu.knobs(operation_seconds=60)
    result = az("acr replication create {} -l eastus --timeout 4".format(REG), expect=1)
    assert result.seconds < 4 + SLACK
    assert spent(result.stderr)[0] == 4
    assert "while ARM was still running the operation; it goes on in Azure" in result.stderr
    assert "Traceback" not in result.stderr
    # left running, not cancelled: a later run waits for it
    assert az("acr replication show -n eastus {}".format(REG)).json["provisioningState"] == "Creating"


def test_409_back_off_gives_up_at_once_when_the_next_try_would_be_past_the_deadline(az, emu):
    # another operation on the registry runs for 40 s; before, create retried (2, 4, 8, 15 s ...) until it
    # succeeded some 40 s later
    emu.knobs(operation_seconds=40, registry_conflicts=True)
    az("acr replication create {} -l uksouth --no-wait".format(REG))
    result = az("acr replication create {} -l eastus --timeout 5".format(REG), expect=1)
    assert result.seconds < 5 + SLACK
    assert spent(result.stderr)[0] <= 5
    assert "eastus: create was refused" in result.stderr and "the next try would start after the deadline" \
        in result.stderr


def test_retry_after_on_a_409_is_not_slept_past_the_deadline(az, emu):
    # azure-core retries any answer with Retry-After, a 409 too
    emu.knobs(operation_seconds=0.2)
    emu.fault(status=409, method="PUT", path="/replications/eastus$", times=1, retry_after=30,
              code="AnotherOperationInProgress", message="Another operation is in progress.")
    result = az("acr replication create {} -l eastus --timeout 10".format(REG), expect=1)
    assert result.seconds < 10 + SLACK  # before: slept the 30 s ARM asked for, then succeeded
    assert "ARM answered 409 and asked to wait 30 s" in result.stderr and spent(result.stderr)[0] < 10


def test_a_throttled_request_is_not_retried_past_the_deadline(az, emu):
    # azure-core sleeps whatever Retry-After says; within the command's deadline it gives up instead
    emu.knobs(operation_seconds=0.2)
    emu.fault(status=429, method="PUT", path="/replications/eastus$", times=1, retry_after=40)
    result = az("acr replication create {} -l eastus --timeout 8".format(REG), expect=1)
    assert result.seconds < 8 + SLACK
    assert "ARM answered 429 and asked to wait 40 s before trying again" in result.stderr
    assert spent(result.stderr)[0] < 8
    # within the deadline the same Retry-After is honoured as before
    emu.fault(status=429, method="PUT", path="/replications/eastus$", times=1, retry_after=1)
    assert az("acr replication create {} -l eastus --timeout 60".format(REG)).json["provisioningState"] == \
        "Succeeded"


def test_transient_failure_retries_stop_at_the_deadline(az, emu):
    emu.knobs(operation_seconds=0.5, transient_failures={"eastus": 3})
    result = az("acr replication create {} -l eastus --timeout 4".format(REG), expect=1)
    assert result.seconds < 4 + SLACK  # before: 5 + 15 + 30 s of pauses
    assert "InternalServerError" in result.stderr and "the next try would start after the deadline" in \
        result.stderr


def test_the_wait_for_a_deleted_replica_to_be_gone_ends_at_the_deadline(az, emu):
    emu.knobs(operation_seconds=0.2, fail_regions=["eastus"])
    az("acr replication create {} -l eastus".format(REG), expect=1)
    # the delete of the Failed replica takes 30 s; sync waits until a GET says 404 (up to 120 s before)
    emu.knobs(fail_regions=[], operation_seconds=30)
    result = az("acr replication sync {} -l eastus --timeout 6".format(REG), expect=1)
    assert result.seconds < 6 + SLACK
    assert spent(result.stderr)[0] == 6


def test_fleet_plan_apply_and_wait_share_one_deadline(az, emu, tmp_path):
    # creates take 8 s, then the data never syncs: before, the creates were followed to the end and then
    # --wait-ready had its own 10 s (18 s in all)
    emu.knobs(operation_seconds=8, stuck_regions=["eastus", "westeurope"])
    path = tmp_path / "fleet.yaml"
    path.write_text("registries:\n  - name: demopremium\n    locations: [eastus]\n"
                    "  - name: prodpremium\n    locations: [westeurope]\n")
    result = az("acr replication sync --file {} --wait-ready --timeout 10".format(path), expect=1)
    assert result.seconds < 10 + SLACK, result.seconds
    assert "2 of 2 registries failed" in result.stderr
    assert result.stderr.count("Timed out after 10 s (--timeout 10)") >= 2


def test_wait_command_says_the_time_spent(az, emu):
    emu.knobs(operation_seconds=0, stuck_regions=["eastus"])
    az("acr replication create {} -l eastus".format(REG))
    result = az("acr replication wait -n eastus {} --ready --interval 30 --timeout 3".format(REG), expect=1)
    assert result.seconds < 3 + SLACK  # the 30 s interval never sleeps past the deadline
    assert spent(result.stderr) == (3, 3)
