"""arm/waiting.py: the conditions `wait` waits for, and their messages in the strings ARM sends (no SDK enum repr)."""
import pytest
from azure.mgmt.containerregistry.models import ProvisioningState

from azext_acr_replication.arm.deadline import Deadline
from azext_acr_replication.arm.waiting import WaitFailed, WaitTimeout, condition_for, wait_for
from tests.helpers import FakeClock, replication

pytestmark = pytest.mark.unit


def test_wait_for_conditions():
    clock = FakeClock()
    seq = iter([None, replication("a", state="Creating"), replication("a")])
    description, predicate = condition_for(created=True)
    assert wait_for(lambda: next(seq), description, predicate, Deadline(60, clock, clock.sleep), 30).name == "a"
    description, predicate = condition_for(deleted=True)
    with pytest.raises(WaitTimeout, match="to be deleted; it is Ready"):
        wait_for(lambda: replication("a", display="Ready"), description, predicate, Deadline(3, clock, clock.sleep),
                 30)
    with pytest.raises(WaitFailed):
        condition_for(ready=True)[1](replication("a", state="Failed"))
    with pytest.raises(ValueError):
        condition_for()


def test_wait_messages_use_arm_strings():
    with pytest.raises(WaitFailed, match=r"^Replication 'a' is Failed\.$"):
        condition_for(created=True)[1](replication("a", state=ProvisioningState.FAILED.value))
