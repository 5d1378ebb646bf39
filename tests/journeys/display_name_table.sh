#!/usr/bin/env bash
# A runbook: a region by its display name, and tables for a person to read.
# differs: zone-redundancy-column  (ours adds ZONE REDUNDANCY as the last table column, on purpose)
set -euo pipefail
ACR=demopremium

az acr replication create --registry "$ACR" --location "UK South" --output table
az acr replication list --registry "$ACR" --output table
az acr replication show --registry "$ACR" --name uksouth --output table
