"""Scripts written for the built-in `az acr replication` keep working with the extension, on every azure-cli we
claim: the group is ours, list and show print the very JSON the built-in prints, states are spelled as ARM sends
them, the old routing flag is a deprecated alias (warned about as the built-in of the release under test warns)
and ours deprecates only what the built-in deprecates, and azure-cli's Global Policy Arguments do on our writes
what they do on the built-in's (and are refused by the commands that only read).

The command tables compared are the built-in acr module's, loaded from the az under test with an empty extension
dir, and ours, from the same az with the wheel installed (tests/tools/dump_command_args.py). On azure-cli 2.75 the
built-in's routing flag is `--region-endpoint-enabled`, on 2.86 it has both names (the old one deprecated by a
breaking-change announcement), from 2.87 only `--global-endpoint-routing`."""
import pytest

from tests.azcli import fresh_az
from tests.helpers import REG, deprecated_options, enum_reprs, options_of, own_warnings

pytestmark = pytest.mark.e2e

# option -> why ours marks it deprecated where the built-in of the release under test does not
DEPRECATED_BY_US = {"--region-endpoint-enabled": "azure-cli deprecates it from 2.86 and removes it in 2.87; ours warns "
                                                 "on every release (2.75-2.85 offer only this name, as preview)"}


@pytest.fixture(scope="module")
def builtin_create_help(emu, builtin_template, guard_log, tmp_path_factory):
    """`az acr replication create --help` of the built-in (which flags the az under test offers)."""
    builtin = fresh_az(emu, builtin_template, str(tmp_path_factory.mktemp("dropin-help") / "azure"), guard_log)
    return builtin("acr replication create --help").stdout


@pytest.fixture
def policy_arguments(builtin_create_help):
    if "--acquire-policy-token" not in builtin_create_help:
        pytest.skip("this azure-cli has no Global Policy Arguments (added in 2.91)")


# --- the group, the JSON, the states -------------------------------------------------------------------------------
def test_extension_overrides_builtin_group(az):
    result = az("acr replication list {} -o json".format(REG))
    assert "altered by the following extension: acr-replication" in result.stderr
    assert result.json == []


def test_list_and_show_json_identical_to_builtin(az, builtin_az, emu):
    emu.add_replicas("demopremium", "eastus", tags={"a": "b"})
    emu.add_replicas("demopremium", "japaneast", tags={"a": "b"}, routing=False)
    assert az("acr replication list {}".format(REG)).json == builtin_az("acr replication list {}".format(REG)).json
    for name in ("eastus", "japaneast", "westus"):
        ours = az("acr replication show -n {} {}".format(name, REG)).json
        assert ours == builtin_az("acr replication show -n {} {}".format(name, REG)).json
    ours_table = az("acr replication list {} -o table".format(REG)).stdout.splitlines()
    builtin_table = builtin_az("acr replication list {} -o table".format(REG)).stdout.splitlines()
    # same columns in the same order, ours adds ZONE REDUNDANCY at the end
    assert ours_table[0].startswith(builtin_table[0].rstrip())


def test_no_enum_repr_in_any_output(az, emu):
    outputs = []
    emu.knobs(operation_seconds=0.2, fail_regions=["eastus"])
    outputs.append(az("acr replication create {} -l eastus".format(REG), expect=1))
    outputs.append(az("acr replication wait -n eastus {} --created --timeout 5".format(REG), expect=1))
    emu.knobs(fail_regions=[])
    outputs.append(az("acr replication sync {} -l eastus --dry-run".format(REG)))
    outputs.append(az("acr replication sync {} -l eastus --dry-run -o table".format(REG)))
    emu.knobs(operation_seconds=3)
    outputs.append(az("acr replication create {} -l uksouth --no-wait".format(REG)))
    emu.add_replicas("demopremium", "japaneast", state="Creating")  # as an earlier --no-wait run left it
    outputs.append(az("acr replication sync {} -l japaneast".format(REG)))  # waits for the running one
    outputs.append(az("acr replication create -r demostandard -l eastus", expect=1))
    outputs.append(az("acr replication list {} -o table".format(REG)))
    text = "\n".join(r.stdout + r.stderr for r in outputs)
    assert "Failed" in text and "Creating" in text and "Standard" in text  # the states are there ...
    assert enum_reprs(text) == []  # ... spelled as ARM spells them
    assert outputs[2].json["actions"][0]["reason"] == "provisioning state is Failed"


# --- the routing flag ----------------------------------------------------------------------------------------------
def test_region_endpoint_enabled_works_as_a_deprecated_alias(az, emu):
    emu.knobs(operation_seconds=0)
    created = az("acr replication create {} -l eastus --region-endpoint-enabled false".format(REG))
    assert created.json["regionEndpointEnabled"] is False
    assert "deprecated" in created.stderr and "--global-endpoint-routing" in created.stderr
    updated = az("acr replication update {} -n eastus --region-endpoint-enabled true".format(REG))
    assert updated.json["regionEndpointEnabled"] is True and "deprecated" in updated.stderr
    synced = az("acr replication sync {} -l eastus --region-endpoint-enabled false".format(REG))
    assert [a["action"] for a in synced.json["actions"]] == ["update"]
    assert az("acr replication show {} -n eastus".format(REG)).json["regionEndpointEnabled"] is False
    clash = az("acr replication sync --file fleet.yaml --region-endpoint-enabled false", expect=2)
    assert "--region-endpoint-enabled cannot be combined with --file" in clash.stderr


@pytest.mark.parametrize("flag", ["--global-endpoint-routing", "--region-endpoint-enabled"])
def test_routing_flag_warns_once_for_the_old_name_and_never_for_the_new_as_the_builtin(
        az, builtin_az, emu, flag, builtin_create_help):
    """azure-cli 2.86's breaking-change announcement for the built-in's old name must not tag ours on the new
    name. The new name: no warning; the old one: exactly one; where the built-in of the release under test
    deprecates the old name too (2.86), the very same warning."""
    emu.knobs(operation_seconds=0, synchronous_writes=True)  # writes answered 200: no poll, ours or the built-in's
    seen = {"ours": [own_warnings(az("acr replication create {} -l eastus {} false".format(REG, flag))),
                     own_warnings(az("acr replication update {} -n eastus {} true".format(REG, flag)))]}
    if flag == "--global-endpoint-routing":
        assert seen["ours"] == [[], []]
    else:
        for printed in seen["ours"]:
            assert len(printed) == 1 and "'--region-endpoint-enabled' has been deprecated" in printed[0]
            assert "Use '--global-endpoint-routing' instead" in printed[0]
    listed = [line for line in builtin_create_help.splitlines() if line.strip().startswith(flag + " ")]
    if listed and "[Preview]" not in listed[0]:  # 2.75-2.85 offer only the old name, as preview: nothing to match
        emu.reset()
        emu.knobs(operation_seconds=0, synchronous_writes=True)
        seen["builtin"] = [own_warnings(builtin_az("acr replication create {} -l eastus {} false".format(REG, flag))),
                           own_warnings(builtin_az("acr replication update {} -n eastus {} true".format(REG, flag)))]
        assert seen["ours"] == seen["builtin"]


def test_both_routing_names_given_the_new_one_wins_as_on_the_builtin(az, emu):
    emu.knobs(operation_seconds=0)
    created = az("acr replication create {} -l eastus --region-endpoint-enabled false --global-endpoint-routing true"
                 .format(REG))
    assert created.json["regionEndpointEnabled"] is True
    updated = az("acr replication update {} -n eastus --global-endpoint-routing false --region-endpoint-enabled true"
                 .format(REG))
    assert updated.json["regionEndpointEnabled"] is False


def test_renamed_routing_flag_is_a_deprecated_alias(tables):
    _, ours = tables
    for command in ("create", "update", "sync"):
        arguments = ours["acr replication " + command]
        assert arguments["global_endpoint_routing"]["options"] == ["--global-endpoint-routing"]
        assert arguments["global_endpoint_routing"]["deprecated"] == []  # azure-cli 2.86 must not tag the new name
        assert arguments["region_endpoint_enabled"]["options"] == ["--region-endpoint-enabled"]
        assert arguments["region_endpoint_enabled"]["deprecated"] == ["--region-endpoint-enabled"]


@pytest.mark.parametrize("command", ["create", "list", "show", "update", "delete"])
def test_ours_deprecates_what_the_builtin_deprecates_and_nothing_else(tables, command):
    builtin, ours = tables
    name = "acr replication " + command
    theirs = deprecated_options(builtin[name])
    mine = deprecated_options(ours[name]) & set(options_of(builtin[name]))
    assert theirs <= mine, f"az {name}: the built-in deprecates {sorted(theirs - mine)}, ours does not"
    extra = {option for option in mine - theirs if option not in DEPRECATED_BY_US}
    assert extra == set(), f"az {name}: ours deprecates {sorted(extra)}, the built-in does not"


# --- Global Policy Arguments ---------------------------------------------------------------------------------------
def policy_trace(emu):
    """(method, last path segment, carries a policy token) per write, and the acquirePolicyToken calls."""
    handed_out = {p["token"] for p in emu.policy_requests()}
    writes = [(e["method"], e["path"].rsplit("/", 1)[-1], e.get("policy") in handed_out) for e in emu.writes()]
    acquired = [(p["operation"].get("httpMethod"), p["operation"].get("uri", "").split("?")[0].rsplit("/", 1)[-1],
                 p["changeReference"]) for p in emu.policy_requests()]
    return writes, acquired


@pytest.mark.parametrize("flags", ["--acquire-policy-token", "--change-reference CR-1234",
                                   "--acquire-policy-token --change-reference CR-1234"])
def test_global_policy_arguments_send_what_the_builtin_sends(az, builtin_az, emu, flags, policy_arguments):
    traces = {}
    for kind, client in (("builtin", builtin_az), ("ours", az)):
        emu.reset()
        # PUT and PATCH answered 200 at once, the DELETE polled after 1 s: the built-in's first poll is otherwise 30 s
        emu.knobs(operation_seconds=0, synchronous_writes=True, retry_after=1)
        client("acr replication create {} -l eastus {}".format(REG, flags))
        client("acr replication update {} -n eastus --tags a=b {}".format(REG, flags))
        client("acr replication delete {} -n eastus {}".format(REG, flags))  # no terminal: neither asks
        traces[kind] = policy_trace(emu)
    assert traces["ours"] == traces["builtin"]
    writes, acquired = traces["ours"]
    assert writes == [("PUT", "eastus", True), ("PATCH", "eastus", True), ("DELETE", "eastus", True)]
    reference = "CR-1234" if "change-reference" in flags else None
    assert acquired == [("PUT", "eastus", reference), ("PATCH", "eastus", reference),
                        ("DELETE", "eastus", reference)]


def test_global_policy_arguments_reach_every_write_of_a_parallel_create_and_sync(az, emu, policy_arguments):
    emu.knobs(operation_seconds=0.2)
    az("acr replication create {} -l eastus japaneast --acquire-policy-token".format(REG))
    az("acr replication sync {} -l eastus --prune --change-reference CR-9".format(REG))
    writes, acquired = policy_trace(emu)
    assert sorted(writes) == [("DELETE", "japaneast", True), ("PUT", "eastus", True), ("PUT", "japaneast", True)]
    assert sorted(acquired) == [("DELETE", "japaneast", "CR-9"), ("PUT", "eastus", None), ("PUT", "japaneast", None)]


@pytest.mark.parametrize("command", ["status -r demopremium", "wait -r demopremium -n eastus --created"])
def test_read_only_commands_refuse_policy_arguments(az, emu, command, policy_arguments):
    # (status and wait hide these arguments from their help: the built-in's create says whether they exist)
    result = az("acr replication {} --acquire-policy-token".format(command), expect=2)
    assert "only reads" in result.stderr and "--acquire-policy-token" in result.stderr
    assert emu.requests() == []
