"""_format.py: the table output. `list` in the built-in's column order plus zone redundancy, the plan of create,
update, delete and sync, and a fleet's plan with a registry column and a row for a registry that failed."""
import pytest

from azext_acr_replication._format import plan_table, replication_table

pytestmark = pytest.mark.unit


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


def test_fleet_table_has_a_registry_column_and_a_row_for_a_failed_registry():
    action = {"action": "create", "name": "eastus", "location": "eastus", "reason": "missing", "result": "succeeded"}
    result = [{"registry": "abcde", "actions": [action]},
              {"registry": "fghij", "actions": [], "error": "Registry 'fghij' was not found."}]
    rows = plan_table(result)
    assert list(rows[0]) == ["REGISTRY", "ACTION", "NAME", "LOCATION", "REASON", "RESULT"]
    assert rows[0]["REGISTRY"] == "abcde" and rows[1]["RESULT"] == "failed" and "not found" in rows[1]["REASON"]


def test_repository_table_counts_tags_in_words():
    from azext_acr_replication._format import repository_table
    repo = {"repository": "app", "tags": ["v1"], "inEveryRegion": False, "missing": [], "skew": [],
            "changedWhileReading": [], "regions": []}
    rows = repository_table({"repositories": [repo]})
    assert any("1 tag: 0 missing somewhere" in " ".join(str(v) for v in row.values()) for row in rows)
    repo.update(tags=["v1", "v2"], inEveryRegion=True)
    assert any("2 tags in every region" in " ".join(str(v) for v in row.values())
               for row in repository_table({"repositories": [repo]}))
