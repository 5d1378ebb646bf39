#!/usr/bin/env bash
# Tear-down: delete every replica but the home one, by name, in a loop over `list --query "[].name" -o tsv`.
# No --yes and no terminal, as in every pipeline: the built-in never asks.
set -euo pipefail
ACR=demopremium

home=$(az acr show -n "$ACR" --query location -o tsv)
for region in eastus japaneast; do
  az acr replication create -r "$ACR" -l "$region" -o none
done
for name in $(az acr replication list -r "$ACR" --query "[].name" -o tsv); do
  if [ "$name" == "$home" ]; then
    continue
  fi
  az acr replication delete -r "$ACR" -n "$name"
  echo "deleted $name"
done
az acr replication list -r "$ACR" --query "[].name" -o tsv
