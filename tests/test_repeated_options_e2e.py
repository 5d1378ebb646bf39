"""An option that takes several values, given more than once, counts every occurrence, in the order given
(`-l a -l b c` is `-l a b c`), with repeats used once: create, sync (a prune never deletes a region named), status
(a gate never says yes for an image or repository it did not check), tags."""
import pytest

pytestmark = pytest.mark.e2e

REG = "-r demopremium"


def writes(emu):
    return [(e["method"], e["path"].rsplit("/", 1)[-1]) for e in emu.writes()]


def test_create_with_location_given_twice_creates_both(az, emu):
    emu.knobs(operation_seconds=0)
    result = az("acr replication create {} -l eastus -l japaneast".format(REG))
    assert sorted(r["name"] for r in result.json) == ["eastus", "japaneast"]
    assert sorted(writes(emu)) == [("PUT", "eastus"), ("PUT", "japaneast")]


def test_repeated_and_spaced_locations_combine_in_order_with_repeats_used_once(az, emu):
    emu.knobs(operation_seconds=0)
    result = az("acr replication create {} -l eastus -l japaneast,uksouth eastus".format(REG))
    assert [r["name"] for r in result.json] == ["eastus", "japaneast", "uksouth"]
    assert "Region given more than once, used once: eastus" in result.stderr


def test_sync_prune_keeps_every_region_named_in_repeated_options(az, emu):
    emu.replicated("demopremium", "eastus", "uksouth", "japaneast")
    plan = az("acr replication sync {} -l eastus -l uksouth --prune --dry-run".format(REG)).json
    assert {a["location"]: a["action"] for a in plan["actions"]} == {
        "eastus": "none", "uksouth": "none", "japaneast": "delete"}
    emu.clear_log()
    az("acr replication sync {} -l eastus -l uksouth --prune".format(REG))
    assert writes(emu) == [("DELETE", "japaneast")]
    assert sorted(r["name"] for r in az("acr replication list {}".format(REG)).json) == ["eastus", "uksouth", "westus"]


def test_repeated_locations_replace_a_configured_default_location(az, emu):
    emu.knobs(operation_seconds=0)
    az("configure --defaults location=westeurope")
    result = az("acr replication create {} -l eastus -l japaneast".format(REG))
    assert sorted(r["name"] for r in result.json) == ["eastus", "japaneast"]
    assert az("acr replication create {}".format(REG)).json["name"] == "westeurope"  # the default, when none typed


def test_status_checks_every_image_given_and_an_image_in_no_region_exits_3(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "v1")
    result = az("acr replication status {} --image missing:1 --image app:v1".format(REG), expect=3)
    assert [i["image"] for i in result.json["images"]] == ["missing:1", "app:v1"]
    assert "Not found in any region of 'demopremium': missing:1." in result.stderr
    both = az("acr replication status {} --image app:v1 --image app:v1,app:v1".format(REG)).json
    assert [i["image"] for i in both["images"]] == ["app:v1"]


def test_status_checks_every_repository_given_and_one_in_no_region_exits_3(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "v1")
    result = az("acr replication status {} --repository other --repository app".format(REG), expect=3)
    assert [r["repository"] for r in result.json["repositories"]] == ["other", "app"]
    assert "Not found in any region of 'demopremium': other." in result.stderr


def test_tags_given_twice_are_both_set(az, emu):
    emu.knobs(operation_seconds=0)
    assert az("acr replication create {} -l eastus --tags team=a --tags env=prod".format(REG)).json["tags"] == {
        "team": "a", "env": "prod"}
    updated = az("acr replication update {} -n eastus --tags env=dev --tags owner=b".format(REG)).json
    assert updated["tags"] == {"env": "dev", "owner": "b"}


@pytest.mark.parametrize("command, option", [("create", "-l"), ("sync", "-l"), ("status", "--image"),
                                             ("status", "--repository"), ("update", "--tags")])
def test_help_says_how_repeated_options_combine(az, command, option):
    text = " ".join(az("acr replication {} --help".format(command)).stdout.split())
    assert "Repeat the option or give several values: {0} a {0} b c is {0} a b c.".format(option) in text
