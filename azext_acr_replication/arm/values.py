# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""The one place SDK values become the strings ARM sends.

The SDK hands back enum members (ProvisioningState.FAILED, SkuName.PREMIUM, ZoneRedundancy.ENABLED).
They compare equal to 'Failed', but str() and f-strings print 'ProvisioningState.FAILED'. Every
message, table cell and JSON field built by hand goes through arm_str.
"""
import enum


def arm_str(value):
    """'Failed' for ProvisioningState.FAILED or 'Failed'; None stays None."""
    if isinstance(value, enum.Enum):
        return value.value
    return value


def provisioning_state(model):
    return arm_str(getattr(model, 'provisioning_state', None))


def display_status(model):
    status = getattr(model, 'status', None)
    return arm_str(getattr(status, 'display_status', None)) if status else None


def zone_redundancy(model):
    return arm_str(getattr(model, 'zone_redundancy', None))


def sku_name(registry):
    sku = getattr(registry, 'sku', None)
    return arm_str(getattr(sku, 'name', None)) if sku else None


def state_of(model):
    """How a replica is doing, in one word: its displayStatus once it has one, else its provisioning state."""
    return display_status(model) or provisioning_state(model)
