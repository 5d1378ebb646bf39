"""routing/drain.py: a replica an operation is running on is refused in one line before any write (ARM would
answer 409 OperationNotAllowed)."""
import pytest

from azext_acr_replication.routing import drain as draining
from azext_acr_replication.routing.health import HEALTHY, Health
from azext_acr_replication.routing.probe import Target

pytestmark = pytest.mark.unit


class Arm:
    def __init__(self, *targets):
        self.targets, self.writes = list(targets), []

    def list(self):
        return list(self.targets)

    def get(self, name):
        return next(t for t in self.targets if t.name == name)

    def write(self, name, tags, routing):
        self.writes.append(name)


def replica(name, state="Succeeded", routing=True):
    return Target(name, name, endpoint=name + ".geo", provisioning_state=state, status="Ready", routing=routing,
                  tags=None, modified=None, model=object())


@pytest.mark.parametrize("state, flag", [("Creating", "--created"), ("Updating", "--updated"),
                                         ("Deleting", "--deleted")])
def test_a_replica_an_operation_runs_on_is_refused_naming_the_wait(state, flag):
    arm = Arm(replica("westus"), replica("eastus"), replica("japaneast", state))
    with pytest.raises(draining.DrainRefused) as refused:
        draining.drain(arm, "reg", "japaneast", ("INC-1", None), probe=lambda ts: {t.name: Health(HEALTHY) for t in ts},
                       guard=draining.Guard(1), now=None)
    assert str(refused.value) == (
        f"Cannot drain 'japaneast' now: it is being {state[:-3].lower()}ed (provisioningState {state}). Wait for it "
        f"('az acr replication wait -r reg -n japaneast {flag}'), then drain again.")
    with pytest.raises(draining.DrainRefused, match="Cannot undrain 'japaneast' now"):
        draining.undrain(Arm(replica("westus"), replica("japaneast", state, routing=False)), "reg", "japaneast",
                         probe=None, force=True)
    assert arm.writes == []
