#!/usr/bin/env bash
# A deployment pipeline's idempotent step: create the region's replica unless `show` finds it.
# Run twice: the second pass finds it.
set -euo pipefail
ACR=demopremium
REGION=japaneast

for pass in 1 2; do
  if az acr replication show --registry "$ACR" --name "$REGION" >/dev/null 2>&1; then
    echo "pass $pass: $REGION exists"
  else
    az acr replication create --registry "$ACR" --location "$REGION" --output none
    echo "pass $pass: $REGION created"
  fi
done
az acr replication list --registry "$ACR" --query "sort_by([], &name)[].[name, location, provisioningState]" -o tsv
