"""The region list the emulator serves (a realistic subset of Azure's public regions)."""

REGIONS = [
    ("eastus", "East US", "US"), ("eastus2", "East US 2", "US"), ("westus", "West US", "US"),
    ("westus2", "West US 2", "US"), ("westus3", "West US 3", "US"), ("centralus", "Central US", "US"),
    ("northcentralus", "North Central US", "US"), ("southcentralus", "South Central US", "US"),
    ("canadacentral", "Canada Central", "Canada"), ("brazilsouth", "Brazil South", "South America"),
    ("northeurope", "North Europe", "Europe"), ("westeurope", "West Europe", "Europe"),
    ("uksouth", "UK South", "UK"), ("francecentral", "France Central", "France"),
    ("germanywestcentral", "Germany West Central", "Germany"), ("swedencentral", "Sweden Central", "Sweden"),
    ("switzerlandnorth", "Switzerland North", "Switzerland"), ("norwayeast", "Norway East", "Norway"),
    ("japaneast", "Japan East", "Asia Pacific"), ("japanwest", "Japan West", "Asia Pacific"),
    ("koreacentral", "Korea Central", "Asia Pacific"), ("southeastasia", "Southeast Asia", "Asia Pacific"),
    ("eastasia", "East Asia", "Asia Pacific"), ("centralindia", "Central India", "Asia Pacific"),
    ("australiaeast", "Australia East", "Asia Pacific"), ("uaenorth", "UAE North", "Middle East"),
    ("southafricanorth", "South Africa North", "Africa"),
]

REGION_NAMES = [name for name, _, _ in REGIONS]


def locations_body(subscription_id):
    return {"value": [{
        "id": "/subscriptions/{}/locations/{}".format(subscription_id, name),
        "name": name, "type": "Region", "displayName": display,
        "regionalDisplayName": "({}) {}".format(geo, display),
        "metadata": {"regionType": "Physical", "regionCategory": "Recommended", "geographyGroup": geo},
    } for name, display, geo in REGIONS]}
