"""Scripts written for the built-in keep working on every azure-cli we claim (issue 11): the old routing
flag as a deprecated alias, azure-cli's Global Policy Arguments doing what the built-in does with them,
and states spelled as ARM sends them on the concurrent-create path."""
import re

import pytest

REG = "-r demopremium"
ENUM_REPR = re.compile(r"\b[A-Z][A-Za-z]+\.[A-Z][A-Z_]+\b")


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


def warnings(result):
    return [line for line in result.stderr.splitlines()
            if line.startswith("WARNING:") and "altered by the following extension" not in line]


@pytest.mark.parametrize("flag", ["--global-endpoint-routing", "--region-endpoint-enabled"])
def test_routing_flag_warns_once_for_the_old_name_and_never_for_the_new_as_the_builtin(az, builtin_az, emu, flag):
    """Issue 19 (2b): on azure-cli 2.86 the built-in's breaking-change announcement for the old name also tagged
    ours on the new name. The new name: no warning; the old one: exactly one; where the built-in of the release
    under test deprecates the old name too (2.86), the very same warning."""
    emu.knobs(operation_seconds=0.2, retry_after=1)
    seen = {"ours": [warnings(az("acr replication create {} -l eastus {} false".format(REG, flag))),
                     warnings(az("acr replication update {} -n eastus {} true".format(REG, flag)))]}
    if flag == "--global-endpoint-routing":
        assert seen["ours"] == [[], []]
    else:
        for printed in seen["ours"]:
            assert len(printed) == 1 and "'--region-endpoint-enabled' has been deprecated" in printed[0]
            assert "Use '--global-endpoint-routing' instead" in printed[0]
    listed = [line for line in builtin_az("acr replication create --help").stdout.splitlines()
              if line.strip().startswith(flag + " ")]
    if listed and "[Preview]" not in listed[0]:  # 2.75-2.85 offer only the old name, as preview: nothing to match
        emu.reset()
        emu.knobs(operation_seconds=0.2, retry_after=1)
        seen["builtin"] = [warnings(builtin_az("acr replication create {} -l eastus {} false".format(REG, flag))),
                           warnings(builtin_az("acr replication update {} -n eastus {} true".format(REG, flag)))]
        assert seen["ours"] == seen["builtin"]


def test_both_routing_names_given_the_new_one_wins_as_on_the_builtin(az, emu):
    emu.knobs(operation_seconds=0)
    created = az("acr replication create {} -l eastus --region-endpoint-enabled false --global-endpoint-routing true"
                 .format(REG))
    assert created.json["regionEndpointEnabled"] is True
    updated = az("acr replication update {} -n eastus --global-endpoint-routing false --region-endpoint-enabled true"
                 .format(REG))
    assert updated.json["regionEndpointEnabled"] is False


def policy_trace(emu):
    """(method, last path segment, carries a policy token) per write, and the acquirePolicyToken calls."""
    handed_out = {p["token"] for p in emu.emulator.policy_requests}
    writes = [(e["method"], e["path"].rsplit("/", 1)[-1], e.get("policy") in handed_out)
              for e in emu.requests() if e["method"] in ("PUT", "PATCH", "DELETE")]
    acquired = [(p["operation"].get("httpMethod"), p["operation"].get("uri", "").split("?")[0].rsplit("/", 1)[-1],
                 p["changeReference"]) for p in emu.emulator.policy_requests]
    return writes, acquired


@pytest.mark.parametrize("flags", ["--acquire-policy-token", "--change-reference CR-1234",
                                   "--acquire-policy-token --change-reference CR-1234"])
def test_global_policy_arguments_send_what_the_builtin_sends(az, builtin_az, emu, flags):
    if "--acquire-policy-token" not in builtin_az("acr replication create --help").stdout:
        pytest.skip("this azure-cli has no Global Policy Arguments (added in 2.91)")
    traces = {}
    for kind, client in (("builtin", builtin_az), ("ours", az)):
        emu.reset()
        emu.knobs(operation_seconds=0.2, retry_after=1)
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


def test_global_policy_arguments_reach_every_write_of_a_parallel_create_and_sync(az, builtin_az, emu):
    if "--acquire-policy-token" not in builtin_az("acr replication create --help").stdout:
        pytest.skip("this azure-cli has no Global Policy Arguments (added in 2.91)")
    emu.knobs(operation_seconds=0.2)
    az("acr replication create {} -l eastus japaneast --acquire-policy-token".format(REG))
    az("acr replication sync {} -l eastus --prune --change-reference CR-9".format(REG))
    writes, acquired = policy_trace(emu)
    assert sorted(writes) == [("DELETE", "japaneast", True), ("PUT", "eastus", True), ("PUT", "japaneast", True)]
    assert sorted(acquired) == [("DELETE", "japaneast", "CR-9"), ("PUT", "eastus", None), ("PUT", "japaneast", None)]


@pytest.mark.parametrize("command", ["status -r demopremium", "wait -r demopremium -n eastus --created"])
def test_read_only_commands_refuse_policy_arguments(az, emu, command):
    # (status and wait hide these arguments from their help: ask a command that shows them whether they exist)
    if "--acquire-policy-token" not in az("acr replication create --help").stdout:
        pytest.skip("this azure-cli has no Global Policy Arguments (added in 2.91)")
    result = az("acr replication {} --acquire-policy-token".format(command), expect=2)
    assert "only reads" in result.stderr and "--acquire-policy-token" in result.stderr
    assert emu.requests() == []


def test_concurrent_create_of_the_same_region_waits_and_spells_states_as_arm(az, emu):
    emu.knobs(operation_seconds=3)
    first = az.popen("acr replication create {} -l japaneast".format(REG))
    second = az("acr replication create {} -l japaneast".format(REG))
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0 and second.code == 0
    text = out + err + second.stdout + second.stderr
    assert ENUM_REPR.findall(text) == []
    writes = [e for e in emu.writes() if e["method"] == "PUT"]
    assert len(writes) >= 1  # the second either waited for the first (409 or Creating) or re-sent an equal PUT
