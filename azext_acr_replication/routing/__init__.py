# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Health-aware routing: probe every replica through its regional endpoint, drain one (global endpoint routing
off, with a record on the replica) within guardrails, keep it drained in every other command, and bring it back
only when it is healthy. Imports arm/, replicas/ and images/endpoint.py; nothing imports it but the package top."""
