# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Replicas through ARM: the desired state, the plan, carrying it out in parallel with retries, waiting
for replicas to be provisioned and Ready, and the per-replica status rows.

Imports arm/ only; never images/, fleet/ or the package top."""
