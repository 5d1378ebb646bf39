"""fleet/file.py: the desired-state file of `sync --file`. Every check with its line, all problems listed in line
order, YAML values as written (tags are text), JSON read as JSON, recursive anchors refused, a login server of any
cloud naming the registry, and the per-registry bundle sync plans from."""
import pytest

from azext_acr_replication.fleet.file import FleetFileError, load

pytestmark = pytest.mark.unit


def problems(text, resolve=None):
    with pytest.raises(FleetFileError) as caught:
        load(text, resolve)
    return caught.value.problems


def test_a_full_entry_becomes_the_bundle_sync_plans_from():
    entries = load("""
registries:
  - name: contosoprod.azurecr.io
    resourceGroup: prod-rg
    subscription: prod
    locations: [Japan East, eastus]
    globalEndpointRouting: {eastus: false}
    zoneRedundancy: enabled
    tags: {team: platform, tier: 1, on: true}
    prune: true
""", resolve_subscription=lambda value: "0000-prod" if value == "prod" else None)
    entry = entries[0]
    assert (entry.name, entry.line, entry.locations) == ("contosoprod", 3, ["japaneast", "eastus"])
    desired = entry.desired(default_prune=False)
    assert desired.resource_group == "prod-rg" and desired.subscription == "0000-prod"
    assert desired.zone_redundancy == "Enabled" and desired.tags == {"team": "platform", "tier": "1", "on": "true"}
    assert desired.prune is True
    wanted = {w.location: w.region_endpoint_enabled for w in desired.wanted()}
    assert wanted == {"japaneast": None, "eastus": False}  # per region; omitted means leave it as it is


def test_prune_falls_back_to_the_flag_and_routing_can_be_one_value():
    entry = load("registries:\n  - name: abcde\n    locations: [eastus]\n    globalEndpointRouting: false\n")[0]
    assert entry.desired(default_prune=True).prune is True
    assert [w.region_endpoint_enabled for w in entry.desired().wanted()] == [False]


@pytest.mark.parametrize("text, expected", [
    ("registries:\n  - name: abcde\n    locations: [eastus]\n    colour: blue\n",
     "line 4: registries[0].colour: unknown key."),
    ("registries:\n  - name: abcde\n    locations: [eastus]\n    tag: {a: b}\n",
     "Did you mean 'tags'?"),
    ("registries:\n  - name: abcde\n    locations: [eastus]\n    name: fghij\n",
     "line 4: registries[0].name: given twice."),
    ("registries:\n  - name: abc\n    locations: [eastus]\n", "'abc' is not a registry name"),
    ("registries:\n  - name: 12345\n    locations: [eastus]\n", "name must be a non-empty string, got 12345"),
    ("registries:\n  - name: abcde\n", "line 2: registries[0]: 'locations' is required"),
    ("registries:\n  - name: abcde\n    locations: [eastus, East US]\n", "'eastus' is listed twice"),
    ("registries:\n  - name: abcde\n    locations: [eastus]\n    globalEndpointRouting: {uksouth: true}\n",
     "'uksouth' is not in this registry's locations."),
    ("registries:\n  - name: abcde\n    locations: [eastus]\n    globalEndpointRouting: [eastus]\n",
     "must be true/false, or per region"),
    ("registries:\n  - name: abcde\n    locations: [eastus]\n    tags: [a]\n", "must be a mapping like"),
    ("registries:\n  - name: abcde\n    locations: [eastus]\n    prune: 1\n", "prune: must be true or false"),
    ("registries:\n  - abcde\n", "a registry is a mapping"),
    ("registries: []\n", "registries: must be a non-empty list"),
    ("- name: abcde\n", "the file needs 'registries:'"),
])
def test_each_problem_is_found_with_its_line(text, expected):
    assert any(expected in problem for problem in problems(text)), problems(text)


def test_all_problems_are_listed_in_line_order():
    found = problems("registries:\n  - name: abc\n    locations: [atlantis]\n  - name: abcde\n    locations: x\n")
    assert [p.split(":")[0] for p in found] == ["line 2", "line 3", "line 5"]


def test_unknown_subscription_is_a_problem_when_it_can_be_checked():
    text = "registries:\n  - name: abcde\n    subscription: nope\n    locations: [eastus]\n"
    assert "line 3: registries[0].subscription: 'nope' is none of the subscriptions" in problems(
        text, lambda value: None)[0]
    assert load(text)[0].subscription == "nope"  # without a resolver it is taken as given


def test_same_registry_in_two_subscriptions_is_allowed_twice_in_one_is_not():
    text = ("registries:\n  - name: abcde\n    subscription: a\n    locations: []\n"
            "  - name: abcde\n    subscription: b\n    locations: []\n")
    assert len(load(text, lambda value: value)) == 2
    assert "listed twice (also line 2)" in problems(text.replace("subscription: b", "subscription: a"))[0]


def test_tag_values_are_the_text_as_written_other_fields_keep_their_types():
    entry = load("registries:\n  - name: abcde\n    locations: [eastus]\n"
                 "    tags: {env: no, version: 1.10, build: 010, on: yes, when: 2024-01-01, quoted: '007'}\n"
                 "    prune: true\n    globalEndpointRouting: false\n")[0]
    assert entry.tags == {"env": "no", "version": "1.10", "build": "010", "on": "yes", "when": "2024-01-01",
                          "quoted": "007"}
    assert entry.prune is True and entry.routing is False


def test_json_is_read_as_json_tabs_included_with_lines_and_numbers_as_written():
    text = '{\n\t"registries": [\n\t\t{\n\t\t\t"name": "abcde",\n\t\t\t"locations": ["eastus"],\n' \
           '\t\t\t"tags": {"v": 1.10, "n": 1e3, "b": true},\n\t\t\t"prune": false\n\t\t}\n\t]\n}\n'
    entry = load(text)[0]
    assert (entry.name, entry.line, entry.tags, entry.prune) == ("abcde", 3, {"v": "1.10", "n": "1e3", "b": "true"},
                                                                 False)
    found = problems(text.replace('"prune": false', '"prune": "no"').replace('"eastus"', '"atlantis"'))
    assert [p.split(":")[0] for p in found] == ["line 5", "line 7"]
    assert "not valid JSON: Expecting" in problems('{\n\t"registries": [\n\t\t{"name": "abcde",, }\n\t]\n}')[0]


def test_recursive_anchor_and_unreadable_values_are_problems_with_lines():
    assert problems("registries:\n  - &a\n    name: abcde\n    locations: [eastus]\n    tags: *a\n") == [
        "line 2: this value contains itself (a recursive YAML anchor and alias); write the value out instead."]
    assert problems("registries: &r\n  - name: abcde\n    locations: *r\n")[0].startswith("line 1: this value")
    assert problems("registries:\n  - name: !!binary xx\n    locations: []\n")[0].startswith(
        "line 2: cannot read this value")
    # an alias that is not recursive is a shared value
    text = "registries:\n  - name: abcde\n    locations: &l [eastus]\n  - name: fghij\n    locations: *l\n"
    assert [e.locations for e in load(text)] == [["eastus"], ["eastus"]]


@pytest.mark.parametrize("name", ["abcde.azurecr.io", "abcde.azurecr.cn", "abcde.azurecr.us", "ABCDE.AzureCR.US"])
def test_login_server_of_any_cloud_names_the_registry(name):
    assert load("registries:\n  - name: {}\n    locations: []\n".format(name))[0].name.lower() == "abcde"
