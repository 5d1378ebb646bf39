#!/usr/bin/env bash
# Clean-up steps that tolerate a missing replica (`|| true`, `-o none`), then a misspelt flag: a usage
# error (exit 2) that stops the script under `set -e`.
# expect-exit: 2
set -euo pipefail
ACR=demopremium

az acr replication delete -r "$ACR" -n westeurope || true
az acr replication show -r "$ACR" -n westeurope -o none 2>/dev/null || echo "westeurope: not there"
az acr replication create -r "$ACR" -l westeurope -o none && echo "westeurope: created"
az acr replication list --registy "$ACR" -o tsv
echo "not reached"
