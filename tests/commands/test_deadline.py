"""--timeout is one deadline for the whole command, through the real az: an LRO is followed only until it (and
goes on in Azure), no back-off, Retry-After or transient-failure pause is slept past it (the command gives up at
once and says why), and the message says the time really spent. The pauses themselves are proven on a fake clock
(tests of arm/deadline.py and arm/polling.py); here each path is wired to the command's --timeout.

Each test measures the whole command; az start-up and exit take 1-3 s on a loaded machine, so the bounds are the
deadline plus SLACK, against many seconds (often minutes) when a pause ignores the deadline."""

import pytest

from tests.helpers import REG, SLACK, spent

pytestmark = pytest.mark.e2e


@pytest.mark.slow
def test_a_long_running_operation_is_followed_only_until_the_deadline(az, emu):
    emu.knobs(operation_seconds=60)
    result = az("acr replication create {} -l eastus --timeout 3".format(REG), expect=1)
    assert result.seconds < 3 + SLACK
    assert spent(result.stderr)[0] == 3
    assert "while ARM was still running the operation; it goes on in Azure" in result.stderr
    assert "Traceback" not in result.stderr
    # left running, not cancelled: a later run waits for it
    assert az("acr replication show -n eastus {}".format(REG)).json["provisioningState"] == "Creating"


@pytest.mark.slow
def test_409_back_off_gives_up_at_once_when_the_next_try_would_be_past_the_deadline(az, emu):
    # another operation on the registry runs for 40 s; without the deadline, create retries (2, 4, 8, 15 s ...)
    # until it succeeds some 40 s later
    emu.knobs(operation_seconds=40, registry_conflicts=True)
    emu.add_replicas("demopremium", "uksouth", state="Creating")
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
    assert result.seconds < 10 + SLACK  # not the 30 s ARM asked for
    assert "ARM answered 409 and asked to wait 30 s" in result.stderr and spent(result.stderr)[0] < 10


def test_a_throttled_request_is_not_retried_past_the_deadline(az, emu):
    # azure-core sleeps whatever Retry-After says; within the command's deadline it gives up instead
    emu.knobs(operation_seconds=0.2)
    emu.fault(status=429, method="PUT", path="/replications/eastus$", times=1, retry_after=40)
    result = az("acr replication create {} -l eastus --timeout 8".format(REG), expect=1)
    assert result.seconds < 8 + SLACK
    assert "ARM answered 429 and asked to wait 40 s before trying again" in result.stderr
    assert spent(result.stderr)[0] < 8
    # within the deadline the same Retry-After is honoured
    emu.fault(status=429, method="PUT", path="/replications/eastus$", times=1, retry_after=1)
    assert az("acr replication create {} -l eastus --timeout 60".format(REG)).json["provisioningState"] == \
        "Succeeded"


def test_transient_failure_retries_stop_at_the_deadline(az, emu):
    emu.knobs(operation_seconds=0.5, transient_failures={"eastus": 3})
    result = az("acr replication create {} -l eastus --timeout 4".format(REG), expect=1)
    assert result.seconds < 4 + SLACK  # not 5 + 15 + 30 s of pauses
    assert "InternalServerError" in result.stderr and "the next try would start after the deadline" in \
        result.stderr


@pytest.mark.slow
def test_wait_command_says_the_time_spent(az, emu):
    emu.knobs(stuck_regions=["eastus"])
    emu.add_replicas("demopremium", "eastus", syncing=True)
    result = az("acr replication wait -n eastus {} --ready --interval 30 --timeout 3".format(REG), expect=1)
    assert result.seconds < 3 + SLACK  # the 30 s interval never sleeps past the deadline
    assert spent(result.stderr) == (3, 3)
