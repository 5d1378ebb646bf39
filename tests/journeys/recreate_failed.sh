#!/usr/bin/env bash
# Azure/ARO-HCP's manage-acr-replication.sh, in short: a replica whose provisioning ended Failed is deleted
# and created again.
# setup: failed-japaneast  (the runner first gives the registry a replica in japaneast whose create ended Failed)
set -euo pipefail
ACR=demopremium
RG=demo-rg

failed=$(az acr replication list -g "$RG" -r "$ACR" --query "[?provisioningState=='Failed'] | [0]" -o json)
if [ -n "$failed" ] && [ "$failed" != "null" ]; then
  name=$(echo "$failed" | python3 -c 'import json, sys; print(json.load(sys.stdin)["name"])')
  location=$(echo "$failed" | python3 -c 'import json, sys; print(json.load(sys.stdin)["location"])')
  echo "recreating $name in $location"
  az acr replication delete --registry "$ACR" --resource-group "$RG" --name "$name"
  az acr replication create --registry "$ACR" --resource-group "$RG" --location "$location" --name "$name" \
    --query provisioningState -o tsv
fi
echo "failed now: $(az acr replication list -g "$RG" -r "$ACR" --query "[?provisioningState=='Failed'] | length(@)" -o tsv)"
