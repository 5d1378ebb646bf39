"""arm/values.py: SDK enums become the strings ARM sends (an f-string of an enum member is its repr)."""
import pytest
from azure.mgmt.containerregistry.models import ProvisioningState, SkuName

from azext_acr_replication.arm.values import arm_str, provisioning_state, sku_name, state_of
from tests.helpers import registry, replication

pytestmark = pytest.mark.unit


def test_sdk_enums_become_the_strings_arm_sends():
    assert f"{ProvisioningState.FAILED}" == "ProvisioningState.FAILED"  # why arm_str exists
    assert arm_str(ProvisioningState.FAILED) == "Failed" and arm_str("Failed") == "Failed" and arm_str(None) is None
    assert provisioning_state(replication("a", state="Failed")) == "Failed"
    assert type(provisioning_state(replication("a", state="Failed"))) is str
    assert sku_name(registry("r", "g", sku="Standard")) == "Standard"
    assert type(sku_name(registry("r", "g", sku="Standard"))) is str
    assert state_of(replication("a", display="Syncing")) == "Syncing"
    assert state_of(replication("a", state="Creating")) == "Creating"


def test_sku_enum_compares_but_prints_badly():
    assert SkuName.PREMIUM == "Premium" and f"{SkuName.PREMIUM}" != "Premium"
