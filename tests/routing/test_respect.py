"""routing/respect.py: plans and updates respect a drain."""

import pytest

from azext_acr_replication.replicas import plan as planning
from azext_acr_replication.routing import record, respect
from tests.helpers import NOW, replication

pytestmark = pytest.mark.unit


class Wanted:
    def __init__(self, routing=None, tags=None):
        self.region_endpoint_enabled = routing
        self.tags = tags


class Action:
    def __init__(self, kind, name, wanted):
        self.kind, self.name, self.wanted, self.reason = kind, name, wanted, ""


def drained_model():
    return replication("eastus", routing=False, tags=record.with_drain({"team": "a"}, "INC-1", None, NOW))


def test_kept_drained_when_desired_says_on():
    action = Action(planning.UPDATE, "eastus", Wanted(routing=True))
    respect.plan_hook()([action], [drained_model()])
    assert action.kind == planning.NONE and action.reason.startswith("kept drained: INC-1, since 2026-12-02T10:00:00Z")


def test_undrain_turns_it_on_and_drops_the_record():
    action = Action(planning.UPDATE, "eastus", Wanted(routing=True))
    respect.plan_hook(undrain=True)([action], [drained_model()])
    assert action.kind == planning.UPDATE and action.wanted.region_endpoint_enabled is True
    assert record.read(action.wanted.tags) is None and action.wanted.tags == {"team": "a"}


def test_tags_keep_the_record():
    action = Action(planning.UPDATE, "eastus", Wanted(tags={"team": "b"}))
    respect.plan_hook()([action], [drained_model()])
    assert record.read(action.wanted.tags).reason == "INC-1" and action.wanted.tags["team"] == "b"


def test_update_routing_true_clears_with_warning():
    said = []
    body = Wanted(routing=True)
    respect.adjust_update("eastus", body, drained_model(), lambda *a: said.append(a))
    assert record.read(body.tags) is None and said


def test_tags_that_the_drain_record_would_take_past_azures_limit_are_refused_before_any_write():
    action = Action(planning.UPDATE, "eastus", Wanted(tags={"k{}".format(n): "v" for n in range(49)}))
    with pytest.raises(respect.TooManyTags, match="--tags gives 49 tags; with the drain record kept beside them"):
        respect.plan_hook()([action], [drained_model()])
    fits = Action(planning.UPDATE, "eastus", Wanted(tags={"k{}".format(n): "v" for n in range(47)}))
    respect.plan_hook()([fits], [drained_model()])
    assert record.read(fits.wanted.tags).reason == "INC-1" and len(fits.wanted.tags) <= record.TAGS_MAX
