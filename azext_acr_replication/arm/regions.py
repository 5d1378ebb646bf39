# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Azure region names known to this release, for checking a desired-state file before any ARM call.

`az account list-locations` is the authority, but it is an ARM call and a file is checked offline
first. A region newer than this list is refused by `sync --file` (with a hint); `create` and
single-registry `sync` leave the decision to ARM.
"""

AZURE_REGIONS = frozenset("""
eastus eastus2 westus westus2 westus3 centralus northcentralus southcentralus westcentralus
canadacentral canadaeast brazilsouth brazilsoutheast mexicocentral chilecentral
northeurope westeurope uksouth ukwest francecentral francesouth germanywestcentral germanynorth
switzerlandnorth switzerlandwest norwayeast norwaywest swedencentral swedensouth polandcentral
italynorth spaincentral austriaeast belgiumcentral denmarkeast finlandcentral greececentral
japaneast japanwest koreacentral koreasouth southeastasia eastasia taiwannorth taiwannorthwest
australiaeast australiasoutheast australiacentral australiacentral2 newzealandnorth
centralindia southindia westindia jioindiawest jioindiacentral indonesiacentral malaysiawest
uaenorth uaecentral qatarcentral israelcentral saudiarabiaeast southafricanorth southafricawest
usgovvirginia usgovarizona usgovtexas usdodeast usdodcentral
chinaeast chinaeast2 chinaeast3 chinanorth chinanorth2 chinanorth3
""".split())
