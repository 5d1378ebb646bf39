"""Every command and flag of the extension through the real `az`, against the emulator (issue 3)."""
import os
import time

import pytest

REG = "-r demopremium"


def writes(emu):
    return [(e["method"], e["path"].rsplit("/", 1)[-1]) for e in emu.writes()]


def test_extension_overrides_builtin_group(az):
    result = az("acr replication list {} -o json".format(REG))
    assert "altered by the following extension: acr-replication" in result.stderr
    assert result.json == []


def test_help_has_examples_for_every_command(az):
    for command in ("list", "show", "create", "update", "delete", "wait", "sync"):
        text = az("acr replication {} --help".format(command)).stdout
        assert "Examples" in text, command
        # the built-in acr module's 'acr' argument context still applies to our commands (issue 19)
        assert "queuing the run" not in text, command
    assert "--wait-ready" in az("acr replication create --help").stdout


def test_create_default_name_is_normalised_location_and_json_matches_shape(az, emu):
    emu.knobs(operation_seconds=0.2)
    created = az('acr replication create {} -l "Japan East"'.format(REG)).json
    assert created["name"] == "japaneast" and created["location"] == "japaneast"
    assert created["provisioningState"] == "Succeeded"
    assert set(created) >= {"id", "location", "name", "provisioningState", "regionEndpointEnabled",
                            "resourceGroup", "status", "systemData", "tags", "type", "zoneRedundancy"}


def test_create_with_all_flags(az, emu):
    emu.knobs(operation_seconds=0)
    created = az("acr replication create {} -l eastus -n myreplica --zone-redundancy Enabled "
                 "--global-endpoint-routing false --tags team=a env=ci".format(REG)).json
    assert created["name"] == "myreplica" and created["zoneRedundancy"] == "Enabled"
    assert created["regionEndpointEnabled"] is False and created["tags"] == {"team": "a", "env": "ci"}


def test_create_refuses_non_premium_with_known_message(az, emu):
    for registry in ("demobasic", "demostandard"):
        result = az("acr replication create -r {} -l japaneast".format(registry), expect=1)
        assert "Replications are only supported for managed registries in Premium SKU." in result.stderr
    assert emu.writes() == []


def test_create_refuses_home_region_with_known_message(az, emu):
    result = az("acr replication create {} -l westus".format(REG), expect=1)
    assert "Replication could not be created in the same location as the registry." in result.stderr
    assert emu.writes() == []


def test_create_unknown_region_suggests_closest_match(az):
    result = az("acr replication create {} -l japaneest".format(REG), expect=1)
    assert "Did you mean" in result.stderr and "'japaneast'" in result.stderr
    assert "Traceback" not in result.stderr
    result = az("acr replication create {} -l atlantis".format(REG), expect=1)
    assert "Valid regions:" in result.stderr and "japaneast" in result.stderr


def test_missing_registry_names_the_subscription(az, builtin_az):
    # exit 1 as the built-in (its lookup raises a CLIError), whose scripts may test for it; 3 stays for show
    assert builtin_az("acr replication list -r nosuchregistry", expect=None).code == 1
    result = az("acr replication list -r nosuchregistry", expect=1)
    assert "nosuchregistry" in result.stderr and "Emulated Subscription" in result.stderr


def test_show_missing_replication_exits_3(az):
    result = az("acr replication show -n nothere {}".format(REG), expect=3)
    assert "nothere" in result.stderr


def test_show_list_and_output_formats(az, emu):
    emu.knobs(operation_seconds=0)
    az("acr replication create {} -l eastus".format(REG))
    assert az("acr replication show -n eastus {} --query location -o tsv".format(REG)).stdout.strip() == "eastus"
    assert "name: eastus" in az("acr replication show -n eastus {} -o yaml".format(REG)).stdout
    table = az("acr replication list {} -o table".format(REG)).stdout.splitlines()
    assert table[0].split() == ["NAME", "LOCATION", "PROVISIONING", "STATE", "STATUS", "REGION", "ENDPOINT",
                                "ENABLED", "ZONE", "REDUNDANCY"]
    assert any(line.split()[:2] == ["eastus", "eastus"] for line in table[2:])
    names = az("acr replication list {} --query [].name -o tsv".format(REG)).stdout.split()
    assert sorted(names) == ["eastus", "westus"]


def test_configured_default_registry(az, emu):
    emu.knobs(operation_seconds=0)
    az("configure --defaults acr=demopremium")
    az("acr replication create -l eastus")
    assert len(az("acr replication list").json) == 2


def test_update_tags_and_routing(az, emu):
    emu.knobs(operation_seconds=0.2)
    az("acr replication create {} -l eastus".format(REG))
    updated = az("acr replication update -n eastus {} --tags k=v --global-endpoint-routing false".format(REG)).json
    assert updated["tags"] == {"k": "v"} and updated["regionEndpointEnabled"] is False
    assert az("acr replication update -n eastus {} --no-wait".format(REG)).stdout.strip() == ""


@pytest.mark.parametrize("flag", ["--zone-redundancy Enabled", "--location eastus2"])
def test_update_of_create_only_settings_explains(az, emu, flag):
    emu.knobs(operation_seconds=0)
    az("acr replication create {} -l eastus".format(REG))
    emu.emulator.clear_log()
    result = az("acr replication update -n eastus {} {}".format(REG, flag), expect=1)
    assert "cannot be changed" in result.stderr and "delete" in result.stderr.lower()
    assert emu.writes() == []


def test_delete_without_a_terminal_deletes_as_the_builtin_does(az, builtin_az, emu):
    """Issue 19: pipelines call `delete -r R -n N` with no --yes and no terminal; the built-in has no
    confirmation, so neither may we."""
    results = {}
    for kind, client in (("builtin", builtin_az), ("ours", az)):
        emu.reset()
        emu.knobs(operation_seconds=0.2, retry_after=1)
        client("acr replication create {} -l eastus".format(REG))
        emu.emulator.clear_log()
        results[kind] = client("acr replication delete -n eastus {}".format(REG))  # stdin: /dev/null
        assert writes(emu) == [("DELETE", "eastus")], kind
        client("acr replication show -n eastus {}".format(REG), expect=3)
    assert results["ours"].stdout == results["builtin"].stdout
    assert "tty" not in results["ours"].stderr and "cancelled" not in results["ours"].stderr


def test_delete_with_stdin_closed_deletes_as_the_builtin(az, builtin_az, emu):
    """`az ... <&-`: no stdin at all (sys.stdin is None); the built-in deletes, and so must ours (no traceback)."""
    import subprocess
    from tests.azcli import AZ
    for cli in (builtin_az, az):
        emu.reset()
        emu.knobs(operation_seconds=0, retry_after=1)
        cli("acr replication create {} -l eastus -o none".format(REG))
        proc = subprocess.run(["bash", "-c", '"$0" "$@" <&-', AZ, "acr", "replication", "delete", "-n", "eastus"] +
                              REG.split(), env=cli.env, cwd=cli.cwd, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        assert cli("acr replication list {} --query [].name -o tsv".format(REG)).stdout.split() == ["westus"]


def test_delete_on_a_terminal_asks_and_n_cancels(az, emu):
    emu.knobs(operation_seconds=0)
    az("acr replication create {} -l eastus japaneast".format(REG))
    emu.emulator.clear_log()
    code, printed = az.on_terminal("acr replication delete -n eastus {}".format(REG), answer="n")
    assert "Delete replication 'eastus' of registry 'demopremium'? (y/n)" in printed
    assert code == 1 and "Operation cancelled" in printed
    assert emu.writes() == []
    code, printed = az.on_terminal("acr replication delete -n eastus {}".format(REG), answer="y")
    assert "(y/n)" in printed and code == 0, printed
    assert writes(emu) == [("DELETE", "eastus")]
    # --yes, and azure-cli's core.disable_confirm_prompt, skip the question on a terminal too
    emu.emulator.clear_log()
    code, printed = az.on_terminal("acr replication delete -n japaneast {} --yes --no-wait".format(REG))
    assert code == 0 and "(y/n)" not in printed, printed
    az("config set core.disable_confirm_prompt=true")
    code, printed = az.on_terminal("acr replication delete -n westus {} --allow-home-replica --no-wait".format(REG))
    assert code == 0 and "(y/n)" not in printed, printed
    assert writes(emu) == [("DELETE", "japaneast"), ("DELETE", "westus")]


def test_delete_with_yes_and_no_wait(az, emu):
    emu.knobs(operation_seconds=0.3)
    az("acr replication create {} -l eastus japaneast".format(REG))
    az("acr replication delete -n eastus {} --yes".format(REG))
    az("acr replication show -n eastus {}".format(REG), expect=3)
    emu.knobs(operation_seconds=2)
    started = time.monotonic()
    az("acr replication delete -n japaneast {} --yes --no-wait".format(REG))
    assert time.monotonic() - started < 2 + 3  # did not wait for the 2 s operation (plus az start-up)
    az("acr replication wait -n japaneast {} --deleted --interval 1 --timeout 30".format(REG))
    az("acr replication show -n japaneast {}".format(REG), expect=3)


def test_delete_refuses_home_replica_unless_allowed(az, emu):
    emu.knobs(operation_seconds=0)
    az("acr replication create {} -l eastus".format(REG))
    emu.emulator.clear_log()
    for confirm in ("", "--yes"):  # no terminal (a script), with and without --yes
        result = az("acr replication delete -n westus {} {}".format(REG, confirm), expect=1)
        assert "home replica" in result.stderr and "--allow-home-replica" in result.stderr
    assert emu.writes() == []
    az("acr replication delete -n westus {} --allow-home-replica".format(REG))
    assert writes(emu) == [("DELETE", "westus")]


def test_create_no_wait_then_wait_created(az, emu):
    emu.knobs(operation_seconds=2)
    started = time.monotonic()
    result = az("acr replication create {} -l eastus --no-wait".format(REG))
    assert time.monotonic() - started < 2 + 3
    assert result.stdout.strip() == "" and "Started: eastus" in result.stderr
    assert writes(emu) == [("PUT", "eastus")]
    az("acr replication wait -n eastus {} --created --interval 1 --timeout 30".format(REG))
    assert az("acr replication show -n eastus {}".format(REG)).json["provisioningState"] == "Succeeded"


def test_wait_ready_and_wait_exists(az, emu):
    # Syncing for 8 s: long enough that two az calls still see it on a machine busy with other tests
    emu.knobs(operation_seconds=0, sync_seconds=8)
    az("acr replication create {} -l eastus".format(REG))
    az("acr replication wait -n eastus {} --exists --interval 1 --timeout 10".format(REG))
    assert az("acr replication show -n eastus {}".format(REG)).json["status"]["displayStatus"] == "Syncing"
    az("acr replication wait -n eastus {} --ready --interval 1 --timeout 30".format(REG))
    assert az("acr replication show -n eastus {}".format(REG)).json["status"]["displayStatus"] == "Ready"


def test_group_given_list_is_one_arm_request(az, emu):
    emu.emulator.clear_log()
    az("acr replication list {} -g demo-rg".format(REG))
    assert [e["path"].rsplit("/", 1)[-1] for e in emu.requests()] == ["replications"]


def test_group_lookup_is_cached_and_dropped_on_404(az, emu):
    emu.emulator.clear_log()
    az("acr replication list {}".format(REG))
    assert len(emu.requests()) == 2  # resources query + list
    emu.emulator.clear_log()
    az("acr replication list {}".format(REG))
    assert len(emu.requests()) == 1  # group remembered
    # the registry "moves" to another group: the cached group 404s, is dropped, and the lookup runs again
    emu.emulator.state.move_registry("demopremium", "prod-rg")
    emu.emulator.clear_log()
    assert az("acr replication list {}".format(REG)).json == []
    assert [e["status"] for e in emu.requests()] == [404, 200, 200]
    emu.emulator.clear_log()
    az("acr replication list {}".format(REG))
    assert len(emu.requests()) == 1


def test_registry_login_server_is_accepted(az):
    result = az("acr replication list -r demopremium.azurecr.io")
    assert result.json == []


@pytest.mark.parametrize("name", ["abc", "a" * 51, "bad-name!"])
def test_bad_registry_name_is_a_usage_error(az, emu, name):
    result = az(["acr", "replication", "list", "-r", name], expect=2)
    assert "alpha numeric" in result.stderr
    assert emu.requests() == []


def test_list_and_show_json_identical_to_builtin(az, builtin_az, emu):
    emu.knobs(operation_seconds=0)
    az("acr replication create {} -l eastus japaneast --tags a=b".format(REG))
    az("acr replication update -n japaneast {} --global-endpoint-routing false".format(REG))
    assert az("acr replication list {}".format(REG)).json == builtin_az("acr replication list {}".format(REG)).json
    for name in ("eastus", "japaneast", "westus"):
        ours = az("acr replication show -n {} {}".format(name, REG)).json
        assert ours == builtin_az("acr replication show -n {} {}".format(name, REG)).json
    ours_table = az("acr replication list {} -o table".format(REG)).stdout.splitlines()
    builtin_table = builtin_az("acr replication list {} -o table".format(REG)).stdout.splitlines()
    # same columns in the same order, ours adds ZONE REDUNDANCY at the end
    assert ours_table[0].startswith(builtin_table[0].rstrip())


def test_extension_add_from_wheel_prints_no_warning(emu, guard_log, tmp_path):
    from tests.azcli import Az, wheel_path
    az_fresh = Az(emu, str(tmp_path / "config"), str(tmp_path / "extensions"), guard_log)
    result = az_fresh(["extension", "add", "--source", wheel_path(), "--yes"])
    assert result.stderr.strip() == "" and result.stdout.strip() == ""
    listed = az_fresh("extension list").json
    version = os.path.basename(wheel_path()).split("-")[1]
    assert [(e["name"], e["version"]) for e in listed] == [("acr-replication", version)]
    shown = az_fresh("acr replication list --help")
    assert [line for line in shown.stderr.splitlines() if line.strip()] == [
        "WARNING: The behavior of this command has been altered by the following extension: acr-replication"]


def test_az_runs_the_installed_wheel_not_the_checkout(az):
    import os
    from tests.azcli import ROOT
    result = az("extension show --name acr-replication --query path -o tsv")
    installed = result.stdout.strip()
    assert installed and not os.path.abspath(installed).startswith(ROOT + os.sep + "azext")
    assert os.path.exists(os.path.join(installed, "azext_acr_replication", "custom.py"))
    assert az.cwd != ROOT and not os.path.exists(os.path.join(az.cwd, "azext_acr_replication"))


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


def test_update_accepts_generic_set_like_the_builtin(az, builtin_az, emu):
    emu.knobs(operation_seconds=0)
    az("acr replication create {} -l eastus".format(REG))
    ours = az("acr replication update -n eastus {} --set regionEndpointEnabled=false tags.team=a".format(REG)).json
    assert ours["regionEndpointEnabled"] is False and ours["tags"] == {"team": "a"}
    theirs = builtin_az("acr replication update -n eastus {} --set regionEndpointEnabled=true".format(REG)).json
    assert theirs["regionEndpointEnabled"] is True
