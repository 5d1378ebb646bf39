#!/usr/bin/env bash
# Azure/ARO-HCP's manage-acr-replication.sh: runners have azure-cli releases before and after the routing
# flag's rename (2.86), so the script uses the flag that `create --help` mentions.
# Unlike ARO-HCP, grep reads the whole help (no -q): under pipefail, `az ... --help | grep -q` is racy with any
# azure-cli, the built-in included (grep exits at the first match, az's next write fails with a broken pipe,
# az exits 1, so the pipeline "fails" and the old flag is picked: 2 runs in 6 with the built-in 2.91 here).
set -euo pipefail
ACR=demopremium

if az acr replication create --help 2>&1 | grep -- "--global-endpoint-routing" >/dev/null; then
  routing_flag=--global-endpoint-routing
else
  routing_flag=--region-endpoint-enabled
fi
az acr replication create -r "$ACR" -l eastus --name eastus "$routing_flag" false \
  --query "[name, regionEndpointEnabled]" -o tsv
az acr replication update -r "$ACR" -n eastus "$routing_flag" true --query regionEndpointEnabled -o tsv
