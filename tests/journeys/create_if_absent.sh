#!/usr/bin/env bash
# Create a replication only when `list --query "[?name=='X']"` prints exactly [] (a common guard), then
# count the replicas in a region with a JMESPath length.
set -euo pipefail
ACR=demopremium
RG=demo-rg

ensure() {
  local name=$1 location=$2
  existing=$(az acr replication list -g "$RG" -r "$ACR" --query "[?name=='$name']")
  if [ "$existing" == "[]" ]; then
    az acr replication create -g "$RG" -r "$ACR" -n "$name" -l "$location" --query provisioningState -o tsv
  else
    echo "$name: already there"
  fi
}

ensure eastusreplica eastus
ensure eastusreplica eastus
count=$(az acr replication list -g "$RG" -r "$ACR" --query "[?location=='eastus'] | length(@)" -o tsv)
echo "replicas in eastus: $count"
[ "$count" -eq 1 ]
