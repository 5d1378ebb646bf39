"""`az acr replication sync --file desired.yaml`: a fleet of registries in two subscriptions from one file, through
the real az against the emulator. The plan over every registry, a registry that fails without stopping the others,
problems in the file (each with its line, nothing called), the file as people save it (JSON, YAML merge keys, byte
order marks, UTF-16), flags and configured defaults next to --file, --no-wait and --wait-ready, one deadline, and
Ctrl-C in every phase.

What the file means is proven without az in the unit tests of fleet/file.py (every problem with its line, tag values
as written, JSON with tabs, recursive anchors, login-server suffixes): here one case of each kind, end to end."""
import json
import time

import pytest

from emulator.state import SECOND_SUBSCRIPTION_ID, SUBSCRIPTION_ID
from tests.helpers import SLACK, fleet_writes, interrupt, listed_replicas, write_file

pytestmark = pytest.mark.e2e

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

EXPECTED_WRITES = [("demopremium", "PUT", "eastus"), ("demopremium", "PUT", "japaneast"),
                   ("eupremium", "PUT", "uksouth"), ("eupremium", "PUT", "westeurope"),
                   ("prodpremium", "PUT", "westeurope"), ("teampremium", "PUT", "japaneast"),
                   ("teampremium2", "PUT", "eastus")]

TWO = ("registries:\n  - name: demopremium\n    locations: [eastus]\n"
       "  - name: prodpremium\n    locations: [westeurope]\n")


# --- the plan over every registry, applied ------------------------------------------------------------------------
def test_five_registries_over_two_subscriptions_planned_then_applied_then_nothing_to_do(az, emu, tmp_path):
    emu.knobs(operation_seconds=1)
    path = write_file(tmp_path, FLEET)
    plan = az("acr replication sync --file {} --dry-run".format(path)).json
    assert emu.writes() == []  # a dry run writes nothing
    assert [(r["registry"], r["subscription"], r["changes"]) for r in plan] == [
        ("demopremium", SUBSCRIPTION_ID, 2), ("prodpremium", SUBSCRIPTION_ID, 1), ("eupremium", SUBSCRIPTION_ID, 2),
        ("teampremium", SECOND_SUBSCRIPTION_ID, 1), ("teampremium2", SECOND_SUBSCRIPTION_ID, 1)]
    assert all(a["result"] == "planned" for r in plan for a in r["actions"])

    started = time.monotonic()
    applied = az("acr replication sync --file {}".format(path)).json
    assert time.monotonic() - started < 20  # seven 1 s creates in five registries, all at once
    assert fleet_writes(emu) == EXPECTED_WRITES
    assert all(a["result"] == "succeeded" for r in applied for a in r["actions"])
    demo = listed_replicas(az, "demopremium")
    assert demo["eastus"]["regionEndpointEnabled"] is False and demo["japaneast"]["regionEndpointEnabled"] is True
    assert demo["eastus"]["tags"] == {"team": "platform"}
    assert listed_replicas(az, "prodpremium")["westeurope"]["zoneRedundancy"] == "Enabled"
    assert set(listed_replicas(az, "teampremium", SECOND_SUBSCRIPTION_ID)) == {"eastus", "japaneast"}
    assert set(listed_replicas(az, "teampremium2", SECOND_SUBSCRIPTION_ID)) == {"uksouth", "eastus"}

    emu.clear_log()
    again = az("acr replication sync --file {}".format(path))
    assert emu.writes() == [] and sum(r["changes"] for r in again.json) == 0
    assert "already match" in again.stderr


def test_table_has_one_plan_for_all_registries(az, emu, tmp_path):
    table = az("acr replication sync --file {} --dry-run -o table".format(write_file(tmp_path, FLEET))).stdout
    lines = table.splitlines()
    assert lines[0].split() == ["REGISTRY", "ACTION", "NAME", "LOCATION", "REASON", "RESULT"]
    assert sum(1 for line in lines if line.startswith("teampremium2 ")) == 1 and len(lines) == 2 + 7


def test_prune_in_the_file_overrides_the_flag(az, emu, tmp_path):
    emu.knobs(operation_seconds=0)
    emu.add_replicas("demopremium", "uksouth", "eastus")
    emu.add_replicas("prodpremium", "uksouth")
    text = ("registries:\n  - name: demopremium\n    locations: [eastus]\n    prune: false\n"
            "  - name: prodpremium\n    locations: []\n")
    result = az("acr replication sync --file {} --prune".format(write_file(tmp_path, text))).json
    assert fleet_writes(emu) == [("prodpremium", "DELETE", "uksouth")]  # demopremium keeps uksouth (prune: false)
    assert {a["location"]: a["action"] for a in result[0]["actions"]} == {"eastus": "none", "uksouth": "none"}


def test_home_region_listed_in_locations_is_quietly_satisfied(az, emu, tmp_path):
    emu.knobs(operation_seconds=0.2)
    text = "registries:\n  - name: demopremium\n    locations: [westus, eastus]\n"  # westus: the home region
    first = az("acr replication sync --file {}".format(write_file(tmp_path, text)))
    assert "Skipping" not in first.stderr and "home region" not in first.stderr
    assert {a["location"]: (a["action"], a["reason"], a["result"]) for a in first.json[0]["actions"]} == {
        "westus": ("none", "home replica", "unchanged"), "eastus": ("create", "missing", "succeeded")}
    again = az("acr replication sync --file {}".format(write_file(tmp_path, text)))
    assert "Skipping" not in again.stderr and "already match" in again.stderr
    single = az("acr replication sync -r demopremium -l westus eastus")
    assert "Skipping" not in single.stderr and single.json["changes"] == 0
    # create keeps the built-in's refusal of a lone home region
    refused = az("acr replication create -r demopremium -l westus", expect=1)
    assert "same location as the registry" in refused.stderr


def test_registry_names_with_any_clouds_login_server_suffix(az, emu, tmp_path):
    text = ("registries:\n  - name: demopremium.azurecr.cn\n    locations: []\n"
            "  - name: prodpremium.azurecr.us\n    locations: []\n  - name: eupremium.azurecr.io\n    locations: []\n")
    result = az("acr replication sync --file {} --dry-run".format(write_file(tmp_path, text))).json
    assert [r["registry"] for r in result] == ["demopremium", "prodpremium", "eupremium"]
    for name in ("demopremium.azurecr.us", "demopremium.azurecr.cn", "DemoPremium.AzureCR.io"):
        assert az("acr replication list -r {}".format(name)).json == []


def test_tag_values_reach_azure_as_written_and_other_fields_keep_their_types(az, emu, tmp_path):
    emu.knobs(operation_seconds=0.2)
    emu.add_replicas("demopremium", "uksouth")
    text = ("registries:\n  - name: demopremium\n    locations: [eastus]\n"
            "    tags: {env: no, version: 1.10, build: 010, enabled: yes}\n    prune: true\n")
    az("acr replication sync --file {}".format(write_file(tmp_path, text)))
    listed = listed_replicas(az, "demopremium")
    assert listed["eastus"]["tags"] == {"env": "no", "version": "1.10", "build": "010", "enabled": "yes"}
    assert "uksouth" not in listed  # prune: true is a boolean


# --- a registry that fails does not stop the others ---------------------------------------------------------------
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
    result = az("acr replication sync --file {}".format(write_file(tmp_path, text)), expect=1)
    assert fleet_writes(emu) == [("demopremium", "PUT", "eastus"), ("teampremium", "PUT", "uksouth")]
    assert "2 of 4 registries failed (nosuchregistry, demostandard)" in result.stderr
    assert "Premium SKU" in result.stderr and "was not found" in result.stderr
    printed = {r["registry"]: r for r in json.loads(result.stdout)}  # the plan is printed all the same
    assert printed["demopremium"]["actions"][0]["result"] == "succeeded" and "error" in printed["demostandard"]


def test_a_failing_write_in_one_registry_is_reported_for_that_registry(az, emu, tmp_path):
    emu.knobs(operation_seconds=0.3, fail_regions=["japaneast"])
    text = ("registries:\n  - name: demopremium\n    locations: [japaneast]\n"
            "  - name: prodpremium\n    locations: [westeurope]\n")
    result = az("acr replication sync --file {}".format(write_file(tmp_path, text)), expect=1)
    assert "1 of 2 registries failed (demopremium)" in result.stderr
    assert "create japaneast failed: ReplicationFailed" in result.stderr
    assert listed_replicas(az, "prodpremium")["westeurope"]["provisioningState"] == "Succeeded"


# --- problems in the file: each with its line, nothing called ------------------------------------------------------
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
    path = write_file(tmp_path, text)
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
    ("registries:\n  - &entry\n    name: demopremium\n    locations: [eastus]\n    tags: *entry\n",
     ":2: this value contains itself (a recursive YAML anchor and alias)"),
    (json.dumps({"registries": [{"name": "demopremium", "locations": ["japaneest"]}]}, indent="\t"),
     ":6: registries[0].locations[0]: 'japaneest' is not an Azure region"),
], ids=["not YAML", "locations not a list", "empty", "recursive anchor", "tab-indented JSON"])
def test_malformed_files_are_usage_errors(az, emu, tmp_path, text, message):
    """Each with its line where it has one. A file without 'registries:' is the unit tests'
    (test_each_problem_is_found_with_its_line), as are the lines of every problem in tab-indented JSON."""
    result = az("acr replication sync --file {}".format(write_file(tmp_path, text)), expect=2)
    assert message in result.stderr and emu.requests() == [] and "Traceback" not in result.stderr


def test_a_file_that_is_not_text_is_one_problem_naming_it(az, emu, tmp_path):
    path = write_file(tmp_path, b"registries:\n  - name: \xff\xfe\x00\x81\n", "fleet.yaml")
    result = az("acr replication sync --file {} --dry-run".format(path), expect=2)
    assert path + ":2: not UTF-8 or UTF-16 text" in result.stderr and "codec" not in result.stderr


# --- the file as people save it ------------------------------------------------------------------------------------
def test_json_file_is_accepted(az, emu, tmp_path):
    emu.knobs(operation_seconds=0.2)
    desired = {"registries": [{"name": "demopremium", "locations": ["eastus"], "prune": True},
                              {"name": "teampremium", "subscription": SECOND_SUBSCRIPTION_ID, "locations": []}]}
    result = az("acr replication sync --file {}".format(write_file(tmp_path, json.dumps(desired), "fleet.json"))).json
    assert [(r["registry"], r["changes"]) for r in result] == [("demopremium", 1), ("teampremium", 0)]


@pytest.mark.parametrize("encode", [lambda text: text.encode(), lambda text: b"\xef\xbb\xbf" + text.encode(),
                                    lambda text: text.encode("utf-16")],
                         ids=["utf-8", "utf-8 with a byte order mark", "utf-16"])
def test_json_from_jq_tab_saved_by_windows_tools_is_read(az, emu, tmp_path, encode):
    """Tab-indented JSON as `jq --tab` writes it (its problems' lines: the unit tests), as saved on Windows too."""
    text = json.dumps({"registries": [{"name": "demopremium", "locations": ["eastus"], "tags": {"v": 1.10}}]},
                      indent="\t").replace('"v": 1.1', '"v": 1.10')
    plan = az("acr replication sync --file {} --dry-run".format(write_file(tmp_path, encode(text), "f.json"))).json
    assert plan[0]["registry"] == "demopremium" and [a["action"] for a in plan[0]["actions"]] == ["create"]


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
    result = az("acr replication sync --file {}".format(write_file(tmp_path, text)))
    assert [(r["registry"], [a["location"] for a in r["actions"] if a["action"] != "none"]) for r in result.json] == [
        ("demopremium", ["japaneast"]), ("prodpremium", ["japaneast"])]
    for registry in ("demopremium", "prodpremium"):
        assert az("acr replication show -r {} -n japaneast --query tags".format(registry)).json == {"team": "platform"}


# --- flags and configured defaults next to --file ------------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    ("-r demopremium --file {path}", "--registry cannot be combined with --file"),
    ("--file {path} -l eastus", "--location cannot be combined with --file"),
    ("--file {path} --tags a=b", "--tags cannot be combined with --file"),
    ("-l eastus", "give --registry/-r and --location/-l, or --file"),
    ("--file {path}.missing", "cannot read"),
])
def test_file_and_single_registry_flags_do_not_mix(az, emu, tmp_path, args, message):
    path = write_file(tmp_path, FLEET)
    result = az("acr replication sync " + args.format(path=path), expect=2)
    assert message in result.stderr and emu.requests() == []


@pytest.mark.parametrize("defaults", ["location='East US'", "group=demo-rg acr=demopremium location=eastus"])
def test_configured_defaults_do_not_clash_with_file(az, emu, tmp_path, defaults):
    """Only typed flags clash with --file; a configured group, registry or location does not (all three at once, and
    a location by its display name)."""
    az("configure --defaults {}".format(defaults))
    result = az("acr replication sync --file {} --dry-run".format(write_file(tmp_path, TWO))).json
    groups = [(r["registry"], r["resourceGroup"]) for r in result]
    assert groups == [("demopremium", "demo-rg"), ("prodpremium", "prod-rg")]
    # what the user types still clashes, default or not
    typed = az("acr replication sync --file {} -g demo-rg".format(write_file(tmp_path, TWO)), expect=2)
    assert "--resource-group cannot be combined with --file" in typed.stderr


def test_configured_default_registry_does_not_clash_with_file(az, emu, tmp_path):
    """Nor does a configured registry join the file's."""
    az("configure --defaults acr=demopremium")
    text = "registries:\n  - name: prodpremium\n    locations: []\n"
    result = az("acr replication sync --file {} --dry-run".format(write_file(tmp_path, text))).json
    assert [r["registry"] for r in result] == ["prodpremium"]


# --- --no-wait, --wait-ready and one deadline for the whole fleet --------------------------------------------------
@pytest.mark.slow
def test_wait_ready_and_no_wait_apply_to_the_whole_fleet(az, emu, tmp_path):
    text = ("registries:\n  - name: demopremium\n    locations: [eastus]\n"
            "  - name: teampremium\n    subscription: Emulated Subscription 2\n    locations: [westeurope]\n")
    path = write_file(tmp_path, text)
    emu.knobs(operation_seconds=3, sync_seconds=2)
    started = time.monotonic()
    az("acr replication sync --file {} --no-wait".format(path))
    assert time.monotonic() - started < 3 + 3 and len(emu.writes()) == 2
    # the replicas are still being created: the next run waits for them, then for their data
    az("acr replication sync --file {} --wait-ready --timeout 60".format(path))
    assert listed_replicas(az, "demopremium")["eastus"]["status"]["displayStatus"] == "Ready"
    assert listed_replicas(az, "teampremium", SECOND_SUBSCRIPTION_ID)["westeurope"]["status"]["displayStatus"] == \
        "Ready"
    assert len(emu.writes()) == 2  # nothing sent twice


@pytest.mark.slow
def test_fleet_plan_apply_and_wait_share_one_deadline(az, emu, tmp_path):
    """Creates take 8 s, then the data never syncs: the creates and --wait-ready share the one 10 s (separate, they
    would take 18 s)."""
    emu.knobs(operation_seconds=8, stuck_regions=["eastus", "westeurope"])
    result = az("acr replication sync --file {} --wait-ready --timeout 10".format(write_file(tmp_path, TWO)),
                expect=1)
    assert result.seconds < 10 + SLACK, result.seconds
    assert "2 of 2 registries failed" in result.stderr
    assert result.stderr.count("Timed out after 10 s (--timeout 10)") >= 2


# --- Ctrl-C in every phase (a real az process: the signal is the subject) ------------------------------------------
def test_ctrl_c_while_planning_stops_at_once_and_says_nothing_was_started(az, emu, tmp_path):
    emu.fault(status=503, method="GET", path="/registries/prodpremium/replications$", delay=60)  # held
    proc = az.popen("acr replication sync --file {}".format(write_file(tmp_path, TWO)))
    stderr, after = interrupt(proc, emu.fault_taken)
    assert proc.returncode == 1 and after < 5, (after, stderr)  # not after the held read (60 s)
    assert "Interrupted while planning. Nothing was started" in stderr and "Traceback" not in stderr
    assert emu.writes() == []


def test_ctrl_c_while_applying_names_what_started_per_registry(az, emu, tmp_path):
    emu.knobs(operation_seconds=30)
    emu.fault(status=503, method="PUT", path="/registries/prodpremium/replications/westeurope$", delay=60)
    proc = az.popen("acr replication sync --file {}".format(write_file(tmp_path, TWO)))
    stderr, after = interrupt(proc, lambda: emu.fault_taken() and any(
        e["method"] == "PUT" and "/demopremium/" in e["path"] for e in emu.requests()))
    assert proc.returncode == 1 and after < 5, (after, stderr)
    assert "Interrupted. Started: demopremium/eastus. May have started (request in flight): " \
           "prodpremium/westeurope." in stderr
    assert "run the same command again" in stderr


def test_ctrl_c_while_waiting_stops_at_once_and_names_what_started(az, emu, tmp_path):
    emu.knobs(operation_seconds=0.3, stuck_regions=["eastus", "westeurope"])
    proc = az.popen("acr replication sync --file {} --wait-ready".format(write_file(tmp_path, TWO)))

    def waiting_for_data():  # the create's own GET, then at least one GET of --wait-ready, for both
        gets = [e["path"] for e in emu.requests() if e["method"] == "GET" and "/replications/" in e["path"]]
        return sum("/eastus" in p for p in gets) >= 2 and sum("/westeurope" in p for p in gets) >= 2
    stderr, after = interrupt(proc, waiting_for_data)
    assert proc.returncode == 1 and after < 5, (after, stderr)  # the wait itself would go on (up to 3600 s)
    assert "Interrupted while waiting. Started: demopremium/eastus, prodpremium/westeurope." in stderr
