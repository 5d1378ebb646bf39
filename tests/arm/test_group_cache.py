"""arm/group_cache.py: the registry -> resource group cache, case-insensitive, surviving a corrupt file."""
import pytest

from azext_acr_replication.arm.group_cache import GroupCache

pytestmark = pytest.mark.unit


def test_group_cache_round_trip_and_drop(tmp_path):
    cache = GroupCache(str(tmp_path))
    assert cache.get("SUB", "Reg") is None
    cache.put("SUB", "Reg", "rg1", "westus")
    assert GroupCache(str(tmp_path)).get("sub", "reg") == {"group": "rg1", "location": "westus"}
    cache.drop("sub", "REG")
    assert cache.get("sub", "reg") is None


def test_group_cache_survives_a_corrupt_file(tmp_path):
    (tmp_path / "acr_replication_groups.json").write_text("{not json")
    cache = GroupCache(str(tmp_path))
    assert cache.get("s", "r") is None
    cache.put("s", "r", "g", "l")
    assert cache.get("s", "r")["group"] == "g"
