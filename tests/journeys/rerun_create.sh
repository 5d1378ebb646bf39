#!/usr/bin/env bash
# A pipeline re-runs the same create (zone redundancy, tags) on every deployment; then a tag changes.
# On stderr, on purpose: ours says the replica already matches (and sends no PUT; the built-in PUTs again).
set -euo pipefail
ACR=demopremium

for env in prod prod staging; do
  az acr replication create -r "$ACR" -l eastus --zone-redundancy Enabled --tags team=platform env=$env \
    --query "{name: name, zone: zoneRedundancy, tags: tags, state: provisioningState}" -o json
done
