"""Domain logic without az or HTTP: planning, names, cache, polling, waiting, formatting, the runner."""
import threading
import time

import pytest

from azext_acr_replication.replicas import plan as planning
from azext_acr_replication._format import plan_table, replication_table
from azext_acr_replication.arm.group_cache import GroupCache
from azext_acr_replication.arm.names import normalize_location, split_locations, unknown_location_message
from azext_acr_replication.arm.polling import Backoff
from azext_acr_replication.replicas.readiness import NotReadyError, wait_until_ready
from azext_acr_replication.arm.lookup import group_from_id
from azext_acr_replication.replicas.runner import run_parallel
from azext_acr_replication.arm.waiting import WaitFailed, WaitTimeout, condition_for, wait_for
from azext_acr_replication.arm.deadline import Deadline
from tests import sdk_models as models

R, W = planning.Replica, planning.Wanted
HOME = "westus"


def kinds(actions):
    return {(a.kind, a.name) for a in actions}


# --- plan -----------------------------------------------------------------------------------
def test_plan_creates_missing_and_satisfies_home_quietly():
    actions = planning.plan([R("westus", "westus")], [W("eastus"), W("westus")], HOME)
    assert kinds(actions) == {("create", "eastus"), ("none", "westus")}
    home = [a for a in actions if a.location == HOME][0]
    assert home.reason == "home replica" and home.wanted is None and not home.writes  # no wait asks about it
    # before the first geo-replica ARM lists no replica at all: the home row is named after the region
    assert kinds(planning.plan([], [W("westus")], HOME)) == {("none", "westus")}


def test_plan_nothing_to_do_when_matching():
    existing = [R("westus", "westus"), R("eastus", "eastus", tags={"a": "b"})]
    actions = planning.plan(existing, [W("eastus", tags={"a": "b"}, region_endpoint_enabled=True)], HOME)
    assert kinds(actions) == {("none", "eastus")} and not any(a.writes for a in actions)


def test_plan_updates_drifted_routing_and_tags_only_when_asked():
    existing = [R("eastus", "eastus", tags={"a": "b"}, region_endpoint_enabled=False)]
    assert kinds(planning.plan(existing, [W("eastus")], HOME)) == {("none", "eastus")}
    actions = planning.plan(existing, [W("eastus", region_endpoint_enabled=True)], HOME)
    assert kinds(actions) == {("update", "eastus")} and "routing false -> true" in actions[0].reason
    assert kinds(planning.plan(existing, [W("eastus", tags={})], HOME)) == {("update", "eastus")}


@pytest.mark.parametrize("state", ["Failed", "Canceled"])
def test_plan_recreates_failed(state):
    assert kinds(planning.plan([R("eastus", "eastus", state)], [W("eastus")], HOME)) == {("recreate", "eastus")}


def test_plan_prune_deletes_extra_but_never_home():
    existing = [R("westus", "westus"), R("eastus", "eastus"), R("uksouth", "uksouth")]
    assert kinds(planning.plan(existing, [W("eastus")], HOME, prune=True)) == {("none", "eastus"),
                                                                               ("delete", "uksouth")}
    kept = planning.plan(existing, [W("eastus")], HOME, prune=False)
    assert kinds(kept) == {("none", "eastus"), ("none", "uksouth")}


def test_plan_zone_redundancy_change_needs_a_human():
    with pytest.raises(planning.PlanError, match="cannot be changed to Enabled in place"):
        planning.plan([R("eastus", "eastus", zone_redundancy="Disabled")], [W("eastus", zone_redundancy="Enabled")],
                      HOME)


def test_plan_name_in_other_location_is_refused():
    with pytest.raises(planning.PlanError, match="choose another --name"):
        planning.plan([R("myrep", "uksouth")], [W("eastus", name="myrep")], HOME)


def test_plan_adopts_replica_with_custom_name_in_wanted_location():
    actions = planning.plan([R("myrep", "eastus")], [W("eastus")], HOME, prune=True)
    assert kinds(actions) == {("none", "myrep")}


def test_plan_from_sdk_model_reads_display_status():
    replica = R.from_sdk(models.replication("eastus", display="Syncing", zone=None))
    assert replica.display_status == "Syncing" and replica.zone_redundancy == "Disabled" and replica.tags == {}


# --- names ----------------------------------------------------------------------------------
def test_normalize_and_split_locations():
    assert normalize_location("Japan East") == "japaneast"
    assert split_locations(["japaneast,eastus", "East US", "westeurope", ""]) == (
        ["japaneast", "eastus", "westeurope"], ["eastus"])


def test_unknown_location_message():
    known = ["japaneast", "japanwest", "eastus"]
    assert "Did you mean 'japaneast'?" in unknown_location_message("japaneastt", known)
    assert "Valid regions: eastus, japaneast, japanwest." in unknown_location_message("atlantis", known)


def test_group_from_id():
    rid = "/subscriptions/s/resourceGroups/My-RG/providers/Microsoft.ContainerRegistry/registries/r"
    assert group_from_id(rid) == "My-RG"
    assert group_from_id(rid.replace("resourceGroups", "resourcegroups")) == "My-RG"


# --- group cache ------------------------------------------------------------------------------
def test_group_cache_round_trip_and_drop(tmp_path):
    cache = GroupCache(str(tmp_path))
    assert cache.get("SUB", "Reg") is None
    cache.put("SUB", "Reg", "rg1", "westus")
    assert GroupCache(str(tmp_path)).get("sub", "reg") == {"group": "rg1", "location": "westus"}
    cache.drop("sub", "REG")
    assert cache.get("sub", "reg") is None


def test_group_cache_survives_a_corrupt_file(tmp_path):
    (tmp_path / "acr_replication_groups.json").write_text("{not json")
    cache = GroupCache(str(tmp_path))
    assert cache.get("s", "r") is None
    cache.put("s", "r", "g", "l")
    assert cache.get("s", "r")["group"] == "g"


# --- polling ----------------------------------------------------------------------------------
def test_backoff_starts_fast_and_caps_at_30():
    backoff = Backoff()
    values = [backoff.next() for _ in range(12)]
    assert values[:3] == [1.0, 1.5, 2.25] and max(values) == 30.0


def test_adaptive_polling_follows_the_schedule_and_prefers_retry_after():
    from azext_acr_replication.arm.polling import AdaptivePolling, PollSchedule

    class Resp:  # pylint: disable=too-few-public-methods
        def __init__(self, headers):
            self.http_response = type("H", (), {"headers": headers})()
    clock = FakeClock()
    polling = AdaptivePolling()
    polling._schedule = PollSchedule(clock=clock)  # pylint: disable=protected-access
    polling._pipeline_response = Resp({})  # pylint: disable=protected-access

    def pause():
        delay = polling._extract_delay()  # pylint: disable=protected-access
        clock.sleep(delay)
        return delay
    assert [pause() for _ in range(10)] == [1.0] * 8 + [2.0] * 2  # every second, then every 2 s
    polling._pipeline_response = Resp({"retry-after": "7"})  # pylint: disable=protected-access
    assert pause() == 7


# --- readiness and wait ---------------------------------------------------------------------------
class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def replica(name, state="Succeeded", display=None):
    return models.replication(name, state=state, display=display)


def test_wait_until_ready_polls_until_every_replica_is_ready():
    clock = FakeClock()
    script = {"a": iter(["Syncing", "Ready"]), "b": iter(["Syncing", "Syncing", "Ready"])}
    result = wait_until_ready(lambda n: replica(n, display=next(script[n])), ["a", "b"],
                              Deadline(60, clock, clock.sleep))
    assert set(result) == {"a", "b"} and clock.now == 1.0 + 1.0


def test_wait_until_ready_times_out_and_names_what_is_pending():
    clock = FakeClock()
    with pytest.raises(NotReadyError, match=r"Timed out after 5 s .* b \(Syncing\)"):
        wait_until_ready(lambda n: replica(n, display="Ready" if n == "a" else "Syncing"), ["a", "b"],
                         Deadline(5, clock, clock.sleep))
    assert clock.now == 5


def test_wait_until_ready_stops_on_failed():
    with pytest.raises(NotReadyError, match="Failed"):
        wait_until_ready(lambda n: replica(n, state="Failed"), ["a"], Deadline(60, sleep=lambda s: None))


def test_wait_for_conditions():
    clock = FakeClock()
    seq = iter([None, replica("a", "Creating"), replica("a")])
    description, predicate = condition_for(created=True)
    assert wait_for(lambda: next(seq), description, predicate, Deadline(60, clock, clock.sleep), 30).name == "a"
    description, predicate = condition_for(deleted=True)
    with pytest.raises(WaitTimeout, match="to be deleted; it is Ready"):
        wait_for(lambda: replica("a", display="Ready"), description, predicate, Deadline(3, clock, clock.sleep), 30)
    with pytest.raises(WaitFailed):
        condition_for(ready=True)[1](replica("a", "Failed"))
    with pytest.raises(ValueError):
        condition_for()


# --- formatting -------------------------------------------------------------------------------------
def test_replication_table_columns_in_builtin_order_plus_zone():
    rows = replication_table([{"name": "eastus", "location": "eastus", "provisioningState": "Succeeded",
                               "status": {"displayStatus": "Ready"}, "regionEndpointEnabled": False,
                               "zoneRedundancy": "Enabled"}])
    assert list(rows[0]) == ["NAME", "LOCATION", "PROVISIONING STATE", "STATUS", "REGION ENDPOINT ENABLED",
                             "ZONE REDUNDANCY"]
    assert rows[0]["REGION ENDPOINT ENABLED"] == "False" and rows[0]["STATUS"] == "Ready"
    assert replication_table({"name": "x"})[0]["STATUS"] == " "


def test_plan_table():
    rows = plan_table({"actions": [{"action": "create", "name": "a", "location": "a", "reason": "missing",
                                    "result": None}]})
    assert list(rows[0].values()) == ["create", "a", "a", "missing", " "]


# --- runner ---------------------------------------------------------------------------------------
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


# --- registry lookup ------------------------------------------------------------------------------
class FakeRegistries:
    def __init__(self, items):
        self.items, self.gets = items, []

    def list(self):
        return iter(self.items)

    def get(self, group, name):
        self.gets.append((group, name))
        for item in self.items:
            if item.name == name and f"/resourceGroups/{group}/" in item.id:
                return item
        raise NotFound()


class NotFound(Exception):
    status_code = 404


def registry(name, group, sku="Premium", location="westus"):
    return models.registry(name, group, sku, location)


def pages(*batches):
    """arm_get fake: pages of resources, linked by nextLink; records the URLs asked for."""
    asked = []

    def get(url):
        asked.append(url)
        index = 0 if url.startswith("/subscriptions/") else int(url.rsplit("=", 1)[1])
        page = {"value": [{"name": n, "id": registry(n, g).id, "location": "westus", "sku": {"name": "Premium"}}
                          for n, g in batches[index]]}
        if index + 1 < len(batches):
            page["nextLink"] = f"https://arm/next?page={index + 1}"
        return page
    return get, asked


def test_lookup_stops_at_first_page_with_a_match_and_caches(tmp_path):
    from azext_acr_replication.arm.lookup import RegistryLookup
    get, asked = pages([("other", "g1"), ("myreg", "g2")], [("late", "g3")])
    lookup = RegistryLookup("s", str(tmp_path), FakeRegistries([]), get)
    ref = lookup.find("MyReg")
    assert (ref.group, ref.location, ref.sku, ref.source) == ("g2", "westus", "Premium", "lookup")
    assert len(asked) == 1
    again = RegistryLookup("s", str(tmp_path), FakeRegistries([]), get).find("myreg")
    assert (again.group, again.source) == ("g2", "cache") and len(asked) == 1


def test_lookup_falls_back_to_the_provider_list_then_names_the_subscription(tmp_path):
    from azure.cli.core.azclierror import UnclassifiedUserFault
    from azext_acr_replication.arm.lookup import RegistryLookup
    get, _ = pages([("other", "g1")])
    lookup = RegistryLookup("s", str(tmp_path), FakeRegistries([registry("fresh", "g9")]), get, lambda: "Sub (s)")
    assert lookup.find("fresh").group == "g9"  # not yet in the eventually consistent resources query
    with pytest.raises(UnclassifiedUserFault, match="not found in subscription 'Sub \\(s\\)'"):
        lookup.find("missing")


def test_lookup_retries_once_when_the_cached_group_is_stale(tmp_path):
    from azext_acr_replication.arm.lookup import RegistryLookup
    GroupCache(str(tmp_path)).put("s", "myreg", "old-rg", "westus")
    get, _ = pages([("myreg", "new-rg")])
    lookup = RegistryLookup("s", str(tmp_path), FakeRegistries([]), get)
    ref = lookup.find("myreg")
    groups = []

    def operation(group):
        groups.append(group)
        if group == "old-rg":
            raise NotFound("ParentResourceNotFound")
        return "ok"
    assert lookup.call(ref, operation) == "ok" and groups == ["old-rg", "new-rg"]
    assert GroupCache(str(tmp_path)).get("s", "myreg")["group"] == "new-rg"


def test_lookup_with_group_and_details_reads_the_registry(tmp_path):
    from azext_acr_replication.arm.lookup import RegistryLookup
    registries = FakeRegistries([registry("myreg", "g1", sku="Basic", location="eastus")])
    ref = RegistryLookup("s", str(tmp_path), registries, None).find("myreg", "g1", need_details=True)
    assert (ref.sku, ref.location) == ("Basic", "eastus") and registries.gets == [("g1", "myreg")]


def test_report_failures_says_started_for_no_wait_regions(monkeypatch):
    from azure.cli.core.azclierror import AzureResponseError
    from azext_acr_replication.replicas import operations
    from azext_acr_replication.replicas.runner import Outcome
    lines = []
    monkeypatch.setattr(operations, "logger", type("L", (), {
        "warning": staticmethod(lambda fmt, *a: lines.append(fmt % a)),
        "error": staticmethod(lambda fmt, *a: lines.append(fmt % a))})())
    done, bad = Outcome(planning.Action("create", "eastus", "eastus", "missing")), \
        Outcome(planning.Action("create", "uksouth", "uksouth", "missing"))
    done.action.result, done.state = "started", "done"
    bad.action.result, bad.error = "failed", RuntimeError("boom")
    with pytest.raises(AzureResponseError, match=r"1 of 2 operations failed \(uksouth\)"):
        operations.report_failures([done, bad])
    assert lines == ["eastus: create started.", "uksouth: create failed: boom"]
