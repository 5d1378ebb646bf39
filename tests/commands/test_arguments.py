"""How every command reads its arguments, through the real az: every option and enum value of the built-in is
accepted; the registry by name, login server or configured default, with or without -g; bad input is one clear
line (a usage error, exit 2, where argparse would say it) and changes nothing; and an option that takes several
values, given more than once, counts every occurrence in the order given (`-l a -l b c` is `-l a b c`), repeats
used once."""
import pytest

from tests.helpers import REG, errors, options_of, writes

pytestmark = pytest.mark.e2e

# (command, option) -> why ours does not accept it. Empty: ours accepts everything the built-in does.
DROPPED = {}


# --- every option of the built-in ----------------------------------------------------------------------------------
def test_the_builtin_table_was_really_loaded(tables):
    builtin, ours = tables
    assert {"acr replication create", "acr replication list", "acr replication show", "acr replication update",
            "acr replication delete"} <= set(builtin)
    assert "acr replication sync" not in builtin and "acr replication sync" in ours  # the extension is loaded


@pytest.mark.parametrize("command", ["create", "list", "show", "update", "delete"])
def test_ours_accepts_every_option_and_enum_value_of_the_builtin(tables, command):
    builtin, ours = tables
    name = "acr replication " + command
    theirs, mine = options_of(builtin[name]), options_of(ours[name])
    problems = []
    for option, (_, choices) in sorted(theirs.items()):
        if (command, option) in DROPPED:
            continue
        if option not in mine:
            problems.append(f"{option} is not accepted")
            continue
        my_choices = mine[option][1]
        if choices and not (my_choices and {c.lower() for c in choices} <= {c.lower() for c in my_choices}):
            problems.append(f"{option} takes {choices}, ours {my_choices}")
    assert problems == [], f"az {name}: " + "; ".join(problems)


def test_dropped_options_are_still_offered_by_the_builtin(tables):
    builtin, _ = tables
    for (command, option), reason in DROPPED.items():
        assert reason and option in options_of(builtin["acr replication " + command]), (command, option)


# --- the registry and its group ------------------------------------------------------------------------------------
def test_registry_login_server_is_accepted(az):
    result = az("acr replication list -r demopremium.azurecr.io")
    assert result.json == []


def test_configured_default_registry(az, emu):
    emu.knobs(operation_seconds=0)
    az("configure --defaults acr=demopremium")
    az("acr replication create -l eastus")
    assert len(az("acr replication list").json) == 2
    # the name as configured, never knack's wrapper of a default value ({"isDefault": true})
    assert az("acr replication sync -l eastus --dry-run --query registry").json == "demopremium"


def test_every_command_with_explicit_group(az, emu):
    emu.knobs(operation_seconds=0.2)
    g = "-r demopremium -g demo-rg"
    assert az("acr replication create {} -l eastus".format(g)).json["name"] == "eastus"
    assert az("acr replication show {} -n eastus".format(g)).json["location"] == "eastus"
    assert az("acr replication update {} -n eastus --tags a=b".format(g)).json["tags"] == {"a": "b"}
    az("acr replication wait {} -n eastus --updated --timeout 10".format(g))
    assert az("acr replication sync {} -l eastus japaneast".format(g)).json["changes"] == 1
    az("acr replication delete {} -n japaneast --yes".format(g))
    assert sorted(r["name"] for r in az("acr replication list {}".format(g)).json) == ["eastus", "westus"]
    paths = {e["path"] for e in emu.requests()}
    assert not any(p.endswith("/resources") for p in paths)  # -g given: no registry lookup at all
    result = az("acr replication show -r demopremium -g no-such-rg -n eastus", expect=3)
    assert "no-such-rg" in result.stderr


# --- bad input -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["abc", "a" * 51, "bad-name!"])
def test_bad_registry_name_is_a_usage_error(az, emu, name):
    result = az(["acr", "replication", "list", "-r", name], expect=2)
    assert "alpha numeric" in result.stderr
    assert emu.requests() == []


@pytest.mark.parametrize("args, code, message", [
    ("list -r abcd", 2, "between 5 and 50 characters"),
    ("list -r " + "a" * 51, 2, "between 5 and 50 characters"),
    ("list -r my-registry!", 2, "alpha numeric"),
    ("list -r nosuchregistry", 1, "was not found in subscription"),
    ("create -r demopremium -l atlantis", 1, "Valid regions"),
    ("create -r demopremium -l japaneast eastus -n myrepl", 2, "--name can only be used with a single --location"),
    ("create -r demopremium -l eastus --tags =novalue", 2, "a tag needs a name"),
    ("update -r demopremium -n eastus --zone-redundancy Enabled", 1, "cannot be changed"),
    ("create -r demobasic -l eastus", 1, "Premium SKU"),
    ("create -r demostandard -l eastus", 1, "Premium SKU"),
    ("create -r demopremium -l eastus --wait-ready --timeout -5", 2, "--timeout must be zero or a positive"),
    ("create -r demopremium -l ,", 2, "--location needs at least one region"),
    ("create -r demopremium", 2, "--location"),
    ("wait -r demopremium -n eastus", 2, "exactly one of"),
    ("wait -r demopremium -n eastus --created --timeout -1", 2, "--timeout must be zero or a positive"),
    ("create -r demopremium -l eastus --zone-redundancy Maybe", 2, "is not a valid value"),
])
def test_bad_input_is_one_clear_line(az, emu, args, code, message):
    result = az("acr replication " + args, expect=code)
    assert errors(result) and message in result.stderr, result
    assert "Traceback" not in result.stderr
    assert [e for e in emu.writes() if e["status"] < 400] == []  # nothing was changed


def test_name_with_several_locations_is_a_usage_error(az, emu):
    result = az("acr replication create {} -l japaneast eastus -n myname".format(REG), expect=2)
    assert "--name can only be used with a single --location" in result.stderr
    assert emu.requests() == []


def test_bad_custom_query_is_a_usage_error_naming_custom(az, emu):
    result = az(["acr", "replication", "wait", "-n", "eastus", "-r", "demopremium", "--custom", "status.["],
                expect=2)
    assert "--custom" in result.stderr and "--query" not in result.stderr
    assert emu.requests() == []


# --- options given more than once ----------------------------------------------------------------------------------
def test_region_given_twice_is_used_once(az, emu):
    emu.knobs(operation_seconds=0)
    result = az("acr replication create {} -l eastus eastus".format(REG))
    assert "Region given more than once, used once: eastus" in result.stderr
    assert [e["method"] for e in emu.writes()] == ["PUT"]


def test_create_with_location_given_twice_creates_both(az, emu):
    emu.knobs(operation_seconds=0)
    result = az("acr replication create {} -l eastus -l japaneast".format(REG))
    assert sorted(r["name"] for r in result.json) == ["eastus", "japaneast"]
    assert sorted(writes(emu)) == [("PUT", "eastus"), ("PUT", "japaneast")]


def test_repeated_and_spaced_locations_combine_in_order_with_repeats_used_once(az, emu):
    """Comma- and space-separated values in one option and across repeated options: one region list, in order."""
    emu.knobs(operation_seconds=0)
    result = az("acr replication create {} -l eastus -l japaneast,uksouth eastus".format(REG))
    assert [r["name"] for r in result.json] == ["eastus", "japaneast", "uksouth"]
    assert "Region given more than once, used once: eastus" in result.stderr
    assert sorted(writes(emu)) == [("PUT", "eastus"), ("PUT", "japaneast"), ("PUT", "uksouth")]


def test_repeated_locations_replace_a_configured_default_location(az, emu):
    emu.knobs(operation_seconds=0)
    az("configure --defaults location=westeurope")
    result = az("acr replication create {} -l eastus -l japaneast".format(REG))
    assert sorted(r["name"] for r in result.json) == ["eastus", "japaneast"]
    assert az("acr replication create {}".format(REG)).json["name"] == "westeurope"  # the default, when none typed


def test_tags_given_twice_are_both_set(az, emu):
    emu.knobs(operation_seconds=0)
    assert az("acr replication create {} -l eastus --tags team=a --tags env=prod".format(REG)).json["tags"] == {
        "team": "a", "env": "prod"}
    updated = az("acr replication update {} -n eastus --tags env=dev --tags owner=b".format(REG)).json
    assert updated["tags"] == {"env": "dev", "owner": "b"}
