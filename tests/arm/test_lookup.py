"""arm/lookup.py: finding a registry's resource group (the resources query page by page, the provider's list for a
registry it does not list yet, the cache and a stale entry in it), and the group from a resource id."""
import pytest

from azext_acr_replication.arm.group_cache import GroupCache
from azext_acr_replication.arm.lookup import RegistryLookup, group_from_id
from tests.helpers import registry

pytestmark = pytest.mark.unit


class FakeRegistries:
    """client.registries: list() and get(group, name) over `items` (SDK Registry models); records the gets."""

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


def test_group_from_id():
    rid = "/subscriptions/s/resourceGroups/My-RG/providers/Microsoft.ContainerRegistry/registries/r"
    assert group_from_id(rid) == "My-RG"
    assert group_from_id(rid.replace("resourceGroups", "resourcegroups")) == "My-RG"


def test_lookup_stops_at_first_page_with_a_match_and_caches(tmp_path):
    get, asked = pages([("other", "g1"), ("myreg", "g2")], [("late", "g3")])
    lookup = RegistryLookup("s", str(tmp_path), FakeRegistries([]), get)
    ref = lookup.find("MyReg")
    assert (ref.group, ref.location, ref.sku, ref.source) == ("g2", "westus", "Premium", "lookup")
    assert len(asked) == 1
    again = RegistryLookup("s", str(tmp_path), FakeRegistries([]), get).find("myreg")
    assert (again.group, again.source) == ("g2", "cache") and len(asked) == 1


def test_lookup_falls_back_to_the_provider_list_then_names_the_subscription(tmp_path):
    from azure.cli.core.azclierror import UnclassifiedUserFault
    get, _ = pages([("other", "g1")])
    lookup = RegistryLookup("s", str(tmp_path), FakeRegistries([registry("fresh", "g9")]), get, lambda: "Sub (s)")
    assert lookup.find("fresh").group == "g9"  # not yet in the eventually consistent resources query
    with pytest.raises(UnclassifiedUserFault, match="not found in subscription 'Sub \\(s\\)'"):
        lookup.find("missing")


def test_lookup_retries_once_when_the_cached_group_is_stale(tmp_path):
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
    registries = FakeRegistries([registry("myreg", "g1", sku="Basic", location="eastus")])
    ref = RegistryLookup("s", str(tmp_path), registries, None).find("myreg", "g1", need_details=True)
    assert (ref.sku, ref.location) == ("Basic", "eastus") and registries.gets == [("g1", "myreg")]
