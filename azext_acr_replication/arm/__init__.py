# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Azure Resource Manager access shared by every command: finding a registry (and remembering its group),
ARM values and errors, LRO polling and waiting for a replica, region and registry names.

The bottom layer. Imports nothing from replicas/, images/ or fleet/, nor from the package top."""
