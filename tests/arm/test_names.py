"""arm/names.py: region names as users type them, and the message for one that does not exist."""
import pytest

from azext_acr_replication.arm.names import normalize_location, split_locations, unknown_location_message

pytestmark = pytest.mark.unit


def test_normalize_and_split_locations():
    assert normalize_location("Japan East") == "japaneast"
    assert split_locations(["japaneast,eastus", "East US", "westeurope", ""]) == (
        ["japaneast", "eastus", "westeurope"], ["eastus"])


def test_unknown_location_message():
    known = ["japaneast", "japanwest", "eastus"]
    assert "Did you mean 'japaneast'?" in unknown_location_message("japaneastt", known)
    assert "Valid regions: eastus, japaneast, japanwest." in unknown_location_message("atlantis", known)
