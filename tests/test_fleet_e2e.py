"""Fleet sync (issue 12): `az acr replication sync --file desired.yaml` over registries in two
subscriptions, through the real az and the emulator."""
import json
import signal
import subprocess
import time

import pytest

from emulator.state import SECOND_SUBSCRIPTION_ID, SUBSCRIPTION_ID

FLEET = """\
registries:
  - name: demopremium              # home westus
    locations: [eastus, japaneast]
    globalEndpointRouting: {eastus: false}
    tags: {team: platform}
  - name: prodpremium              # home eastus
    resourceGroup: prod-rg
    locations: [westeurope]
    zoneRedundancy: Enabled
  - name: eupremium                # home northeurope
    subscription: %(sub1)s
    locations: [uksouth, westeurope]
  - name: teampremium              # home eastus, second subscription (by id)
    subscription: %(sub2)s
    locations: [japaneast]
  - name: teampremium2             # home uksouth, second subscription (by name)
    subscription: Emulated Subscription 2
    locations: [eastus]
""" % {"sub1": SUBSCRIPTION_ID, "sub2": SECOND_SUBSCRIPTION_ID}


def write(tmp_path, text, name="desired.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def writes(emu):
    return sorted((e["path"].split("/registries/")[1].split("/")[0], e["method"], e["path"].rsplit("/", 1)[-1])
                  for e in emu.writes())


def replicas(az, registry, subscription=SUBSCRIPTION_ID):
    listed = az("acr replication list -r {} --subscription {}".format(registry, subscription)).json
    return {r["name"]: r for r in listed}


EXPECTED_WRITES = [("demopremium", "PUT", "eastus"), ("demopremium", "PUT", "japaneast"),
                   ("eupremium", "PUT", "uksouth"), ("eupremium", "PUT", "westeurope"),
                   ("prodpremium", "PUT", "westeurope"), ("teampremium", "PUT", "japaneast"),
                   ("teampremium2", "PUT", "eastus")]


def test_five_registries_over_two_subscriptions_planned_then_applied_then_nothing_to_do(az, emu, tmp_path):
    emu.knobs(operation_seconds=1)
    path = write(tmp_path, FLEET)
    plan = az("acr replication sync --file {} --dry-run".format(path)).json
    assert emu.writes() == []  # a dry run writes nothing
    assert [(r["registry"], r["subscription"], r["changes"]) for r in plan] == [
        ("demopremium", SUBSCRIPTION_ID, 2), ("prodpremium", SUBSCRIPTION_ID, 1), ("eupremium", SUBSCRIPTION_ID, 2),
        ("teampremium", SECOND_SUBSCRIPTION_ID, 1), ("teampremium2", SECOND_SUBSCRIPTION_ID, 1)]
    assert all(a["result"] == "planned" for r in plan for a in r["actions"])

    started = time.monotonic()
    applied = az("acr replication sync --file {}".format(path)).json
    assert time.monotonic() - started < 20  # seven 1 s creates in five registries, all at once
    assert writes(emu) == EXPECTED_WRITES
    assert all(a["result"] == "succeeded" for r in applied for a in r["actions"])
    demo = replicas(az, "demopremium")
    assert demo["eastus"]["regionEndpointEnabled"] is False and demo["japaneast"]["regionEndpointEnabled"] is True
    assert demo["eastus"]["tags"] == {"team": "platform"}
    assert replicas(az, "prodpremium")["westeurope"]["zoneRedundancy"] == "Enabled"
    assert set(replicas(az, "teampremium", SECOND_SUBSCRIPTION_ID)) == {"eastus", "japaneast"}
    assert set(replicas(az, "teampremium2", SECOND_SUBSCRIPTION_ID)) == {"uksouth", "eastus"}

    emu.emulator.clear_log()
    again = az("acr replication sync --file {}".format(path))
    assert emu.writes() == [] and sum(r["changes"] for r in again.json) == 0
    assert "already match" in again.stderr


def test_table_has_one_plan_for_all_registries(az, emu, tmp_path):
    table = az("acr replication sync --file {} --dry-run -o table".format(write(tmp_path, FLEET))).stdout
    lines = table.splitlines()
    assert lines[0].split() == ["REGISTRY", "ACTION", "NAME", "LOCATION", "REASON", "RESULT"]
    assert sum(1 for line in lines if line.startswith("teampremium2 ")) == 1 and len(lines) == 2 + 7


def test_json_file_is_accepted(az, emu, tmp_path):
    emu.knobs(operation_seconds=0.2)
    desired = {"registries": [{"name": "demopremium", "locations": ["eastus"], "prune": True},
                              {"name": "teampremium", "subscription": SECOND_SUBSCRIPTION_ID, "locations": []}]}
    result = az("acr replication sync --file {}".format(write(tmp_path, json.dumps(desired), "fleet.json"))).json
    assert [(r["registry"], r["changes"]) for r in result] == [("demopremium", 1), ("teampremium", 0)]


def test_prune_in_the_file_overrides_the_flag(az, emu, tmp_path):
    emu.knobs(operation_seconds=0)
    az("acr replication create -r demopremium -l uksouth eastus")
    az("acr replication create -r prodpremium -l uksouth")
    text = ("registries:\n  - name: demopremium\n    locations: [eastus]\n    prune: false\n"
            "  - name: prodpremium\n    locations: []\n")
    emu.emulator.clear_log()
    result = az("acr replication sync --file {} --prune".format(write(tmp_path, text))).json
    assert writes(emu) == [("prodpremium", "DELETE", "uksouth")]  # demopremium keeps uksouth (prune: false)
    assert {a["location"]: a["action"] for a in result[0]["actions"]} == {"eastus": "none", "uksouth": "none"}


def test_invalid_file_lists_every_problem_with_its_line_and_calls_nothing(az, emu, tmp_path):
    text = """\
registries:
  - name: demopremium
    locations: [japaneest, eastus]
    resourcegroup: demo-rg
  - locations: [eastus]
  - name: demopremium
    locations: [eastus]
    zoneRedundancy: sometimes
    subscription: not-a-subscription-i-have
"""
    path = write(tmp_path, text)
    result = az("acr replication sync --file {}".format(path), expect=2)
    assert "nothing was changed" in result.stderr
    for expected in ("{}:3: registries[0].locations[0]: 'japaneest' is not an Azure region. Did you mean "
                     "'japaneast'".format(path),
                     "{}:4: registries[0].resourcegroup: unknown key. Did you mean 'resourceGroup'?".format(path),
                     "{}:5: registries[1]: 'name' is required.".format(path),
                     "{}:6: registry 'demopremium' is listed twice (also line 2).".format(path),
                     "{}:8: registries[2].zoneRedundancy: must be Enabled or Disabled".format(path),
                     "{}:9: registries[2].subscription: 'not-a-subscription-i-have' is none of the "
                     "subscriptions".format(path)):
        assert expected in result.stderr, expected
    assert emu.requests() == [] and "Traceback" not in result.stderr


@pytest.mark.parametrize("text, message", [
    ("registries: [\n  {name: demopremium, locations: [eastus]\n", ":3: not valid YAML or JSON"),
    ('{"registries": [{"name": "demopremium", "locations": "eastus"}]}',
     ":1: registries[0].locations: must be a list of regions"),
    ("", "the file is empty"),
    ("registry:\n  - name: demopremium\n", "needs 'registries:'"),
])
def test_malformed_files_are_usage_errors(az, emu, tmp_path, text, message):
    result = az("acr replication sync --file {}".format(write(tmp_path, text)), expect=2)
    assert message in result.stderr and emu.requests() == []


def test_one_registry_failing_does_not_stop_the_others(az, emu, tmp_path):
    emu.knobs(operation_seconds=0.5)
    text = """\
registries:
  - name: demopremium
    locations: [eastus]
  - name: nosuchregistry
    locations: [eastus]
  - name: demostandard
    locations: [eastus]
  - name: teampremium
    subscription: Emulated Subscription 2
    locations: [uksouth]
"""
    result = az("acr replication sync --file {}".format(write(tmp_path, text)), expect=1)
    assert writes(emu) == [("demopremium", "PUT", "eastus"), ("teampremium", "PUT", "uksouth")]
    assert "2 of 4 registries failed (nosuchregistry, demostandard)" in result.stderr
    assert "Premium SKU" in result.stderr and "was not found" in result.stderr
    printed = {r["registry"]: r for r in json.loads(result.stdout)}  # the plan is printed all the same
    assert printed["demopremium"]["actions"][0]["result"] == "succeeded" and "error" in printed["demostandard"]


def test_a_failing_write_in_one_registry_is_reported_for_that_registry(az, emu, tmp_path):
    emu.knobs(operation_seconds=0.3, fail_regions=["japaneast"])
    text = ("registries:\n  - name: demopremium\n    locations: [japaneast]\n"
            "  - name: prodpremium\n    locations: [westeurope]\n")
    result = az("acr replication sync --file {}".format(write(tmp_path, text)), expect=1)
    assert "1 of 2 registries failed (demopremium)" in result.stderr
    assert "create japaneast failed: ReplicationFailed" in result.stderr
    assert replicas(az, "prodpremium")["westeurope"]["provisioningState"] == "Succeeded"


@pytest.mark.parametrize("args, message", [
    ("-r demopremium --file {path}", "--registry cannot be combined with --file"),
    ("--file {path} -l eastus", "--location cannot be combined with --file"),
    ("--file {path} --tags a=b", "--tags cannot be combined with --file"),
    ("-l eastus", "give --registry/-r and --location/-l, or --file"),
    ("--file {path}.missing", "cannot read"),
])
def test_file_and_single_registry_flags_do_not_mix(az, emu, tmp_path, args, message):
    path = write(tmp_path, FLEET)
    result = az("acr replication sync " + args.format(path=path), expect=2)
    assert message in result.stderr and emu.requests() == []


def test_configured_default_registry_does_not_clash_with_file(az, emu, tmp_path):
    az("configure --defaults acr=demopremium")
    text = "registries:\n  - name: prodpremium\n    locations: []\n"
    result = az("acr replication sync --file {} --dry-run".format(write(tmp_path, text))).json
    assert [r["registry"] for r in result] == ["prodpremium"]


def test_wait_ready_and_no_wait_apply_to_the_whole_fleet(az, emu, tmp_path):
    text = ("registries:\n  - name: demopremium\n    locations: [eastus]\n"
            "  - name: teampremium\n    subscription: Emulated Subscription 2\n    locations: [westeurope]\n")
    path = write(tmp_path, text)
    emu.knobs(operation_seconds=3, sync_seconds=2)
    started = time.monotonic()
    az("acr replication sync --file {} --no-wait".format(path))
    assert time.monotonic() - started < 3 + 3 and len(emu.writes()) == 2
    # the replicas are still being created: the next run waits for them, then for their data
    az("acr replication sync --file {} --wait-ready --timeout 60".format(path))
    assert replicas(az, "demopremium")["eastus"]["status"]["displayStatus"] == "Ready"
    assert replicas(az, "teampremium", SECOND_SUBSCRIPTION_ID)["westeurope"]["status"]["displayStatus"] == "Ready"
    assert len(emu.writes()) == 2  # nothing sent twice


# --- issue 19: Ctrl-C in every phase, configured defaults, values as written ------------------------------
TWO = ("registries:\n  - name: demopremium\n    locations: [eastus]\n"
       "  - name: prodpremium\n    locations: [westeurope]\n")


def held(emu, fault_index=0):
    """Whether the emulator has taken the fault (and is holding that request)."""
    return emu.emulator.controls.faults[fault_index].times == 0


def interrupt(proc, ready, seconds=30):
    """Wait until ready(), then Ctrl-C; (stderr, seconds from the signal to the end of the process)."""
    deadline = time.monotonic() + seconds
    while not ready() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ready(), "the command never reached the phase to interrupt"
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    try:
        _, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError("the command went on for 60 s after Ctrl-C") from None
    return stderr, time.monotonic() - sent


def test_ctrl_c_while_planning_stops_at_once_and_says_nothing_was_started(az, emu, tmp_path):
    emu.fault(status=503, method="GET", path="/registries/prodpremium/replications$", delay=60)  # held
    proc = az.popen("acr replication sync --file {}".format(write(tmp_path, TWO)))
    stderr, after = interrupt(proc, lambda: held(emu))
    assert proc.returncode == 1 and after < 5, (after, stderr)  # before: waited for the held read (60 s)
    assert "Interrupted while planning. Nothing was started" in stderr and "Traceback" not in stderr
    assert emu.writes() == []


def test_ctrl_c_while_applying_names_what_started_per_registry(az, emu, tmp_path):
    emu.knobs(operation_seconds=30)
    emu.fault(status=503, method="PUT", path="/registries/prodpremium/replications/westeurope$", delay=60)
    proc = az.popen("acr replication sync --file {}".format(write(tmp_path, TWO)))
    stderr, after = interrupt(proc, lambda: held(emu) and any(
        e["method"] == "PUT" and "/demopremium/" in e["path"] for e in emu.requests()))
    assert proc.returncode == 1 and after < 5, (after, stderr)
    assert "Interrupted. Started: demopremium/eastus. May have started (request in flight): " \
           "prodpremium/westeurope." in stderr
    assert "run the same command again" in stderr


def test_ctrl_c_while_waiting_stops_at_once_and_names_what_started(az, emu, tmp_path):
    emu.knobs(operation_seconds=0.3, stuck_regions=["eastus", "westeurope"])
    proc = az.popen("acr replication sync --file {} --wait-ready".format(write(tmp_path, TWO)))

    def waiting_for_data():  # the create's own GET, then at least one GET of --wait-ready, for both
        gets = [e["path"] for e in emu.requests() if e["method"] == "GET" and "/replications/" in e["path"]]
        return sum("/eastus" in p for p in gets) >= 2 and sum("/westeurope" in p for p in gets) >= 2
    stderr, after = interrupt(proc, waiting_for_data)
    assert proc.returncode == 1 and after < 5, (after, stderr)  # before: the wait went on (up to 3600 s)
    assert "Interrupted while waiting. Started: demopremium/eastus, prodpremium/westeurope." in stderr


@pytest.mark.parametrize("defaults", ["group=demo-rg", "acr=demopremium", "location=eastus", "location='East US'",
                                      "group=demo-rg acr=demopremium location=eastus"])
def test_configured_defaults_do_not_clash_with_file(az, emu, tmp_path, defaults):
    az("configure --defaults {}".format(defaults))
    result = az("acr replication sync --file {} --dry-run".format(write(tmp_path, TWO))).json
    groups = [(r["registry"], r["resourceGroup"]) for r in result]
    assert groups == [("demopremium", "demo-rg"), ("prodpremium", "prod-rg")]
    # what the user types still clashes, default or not
    typed = az("acr replication sync --file {} -g demo-rg".format(write(tmp_path, TWO)), expect=2)
    assert "--resource-group cannot be combined with --file" in typed.stderr


def test_tag_values_reach_azure_as_written_and_other_fields_keep_their_types(az, emu, tmp_path):
    emu.knobs(operation_seconds=0.2)
    text = ("registries:\n  - name: demopremium\n    locations: [eastus]\n"
            "    tags: {env: no, version: 1.10, build: 010, enabled: yes}\n    prune: true\n")
    az("acr replication create -r demopremium -l uksouth")
    az("acr replication sync --file {}".format(write(tmp_path, text)))
    listed = replicas(az, "demopremium")
    assert listed["eastus"]["tags"] == {"env": "no", "version": "1.10", "build": "010", "enabled": "yes"}
    assert "uksouth" not in listed  # prune: true is a boolean


def test_tab_indented_json_is_accepted_and_its_problems_have_lines(az, emu, tmp_path):
    desired = {"registries": [{"name": "demopremium", "locations": ["eastus"], "tags": {"v": 1.10}}]}
    text = json.dumps(desired, indent="\t").replace('"v": 1.1', '"v": 1.10')  # as `jq --tab` writes it
    plan = az("acr replication sync --file {} --dry-run".format(write(tmp_path, text, "fleet.json"))).json
    assert [a["action"] for a in plan[0]["actions"]] == ["create"]
    bad = json.dumps({"registries": [{"name": "demopremium", "locations": ["japaneest"]}]}, indent="\t")
    result = az("acr replication sync --file {}".format(write(tmp_path, bad, "bad.json")), expect=2)
    assert ":6: registries[0].locations[0]: 'japaneest' is not an Azure region" in result.stderr


def test_recursive_yaml_anchor_is_a_problem_with_its_line(az, emu, tmp_path):
    text = "registries:\n  - &entry\n    name: demopremium\n    locations: [eastus]\n    tags: *entry\n"
    result = az("acr replication sync --file {}".format(write(tmp_path, text)), expect=2)
    assert ":2: this value contains itself (a recursive YAML anchor and alias)" in result.stderr
    assert "Traceback" not in result.stderr and emu.requests() == []


def test_home_region_listed_in_locations_is_quietly_satisfied(az, emu, tmp_path):
    emu.knobs(operation_seconds=0.2)
    text = "registries:\n  - name: demopremium\n    locations: [westus, eastus]\n"  # westus: the home region
    first = az("acr replication sync --file {}".format(write(tmp_path, text)))
    assert "Skipping" not in first.stderr and "home region" not in first.stderr
    assert {a["location"]: (a["action"], a["reason"], a["result"]) for a in first.json[0]["actions"]} == {
        "westus": ("none", "home replica", "unchanged"), "eastus": ("create", "missing", "succeeded")}
    again = az("acr replication sync --file {}".format(write(tmp_path, text)))
    assert "Skipping" not in again.stderr and "already match" in again.stderr
    single = az("acr replication sync -r demopremium -l westus eastus")
    assert "Skipping" not in single.stderr and single.json["changes"] == 0
    # create keeps the built-in's refusal of a lone home region
    refused = az("acr replication create -r demopremium -l westus", expect=1)
    assert "same location as the registry" in refused.stderr


def test_registry_names_with_any_clouds_login_server_suffix(az, emu, tmp_path):
    text = ("registries:\n  - name: demopremium.azurecr.cn\n    locations: []\n"
            "  - name: prodpremium.azurecr.us\n    locations: []\n  - name: eupremium.azurecr.io\n    locations: []\n")
    result = az("acr replication sync --file {} --dry-run".format(write(tmp_path, text))).json
    assert [r["registry"] for r in result] == ["demopremium", "prodpremium", "eupremium"]
    for name in ("demopremium.azurecr.us", "demopremium.azurecr.cn", "DemoPremium.AzureCR.io"):
        assert az("acr replication list -r {}".format(name)).json == []


# --- review of issue 19: YAML and JSON as people save them ----------------------------------------------------
def write_bytes(tmp_path, data, name):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_yaml_merge_keys_and_x_anchor_keys_are_read(az, emu, tmp_path):
    """`<<: *base` (YAML's merge key, applied by every YAML loader) shares settings between entries; a top-level
    x-... key holds anchors, as in compose files. Keys given next to a merge win over the merged ones."""
    text = ("x-defaults: &defaults\n"
            "  tags: {team: platform}\n"
            "registries:\n"
            "  - &base\n"
            "    name: demopremium\n"
            "    locations: [japaneast]\n"
            "    <<: *defaults\n"
            "  - <<: *base\n"
            "    name: prodpremium\n")
    emu.knobs(operation_seconds=0)
    result = az("acr replication sync --file {}".format(write(tmp_path, text)))
    assert [(r["registry"], [a["location"] for a in r["actions"] if a["action"] != "none"]) for r in result.json] == [
        ("demopremium", ["japaneast"]), ("prodpremium", ["japaneast"])]
    for registry in ("demopremium", "prodpremium"):
        assert az("acr replication show -r {} -n japaneast --query tags".format(registry)).json == {"team": "platform"}


@pytest.mark.parametrize("encode", [lambda text: b"\xef\xbb\xbf" + text.encode(), lambda text: text.encode("utf-16")],
                         ids=["utf-8 with a byte order mark", "utf-16"])
def test_json_from_jq_tab_saved_by_windows_tools_is_read(az, emu, tmp_path, encode):
    text = json.dumps({"registries": [{"name": "demopremium", "locations": ["eastus"]}]}, indent="\t")
    result = az("acr replication sync --file {} --dry-run".format(write_bytes(tmp_path, encode(text), "f.json")))
    assert result.json[0]["registry"] == "demopremium"


def test_a_file_that_is_not_text_is_one_problem_naming_it(az, emu, tmp_path):
    path = write_bytes(tmp_path, b"registries:\n  - name: \xff\xfe\x00\x81\n", "fleet.yaml")
    result = az("acr replication sync --file {} --dry-run".format(path), expect=2)
    assert path + ":2: not UTF-8 or UTF-16 text" in result.stderr and "codec" not in result.stderr
