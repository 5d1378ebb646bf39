# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""The registry data plane: one client per regional endpoint (the ACR token flow on azure-core's
pipeline), image references, and whether images reached every replica (watch and report).

Imports arm/ and replicas/ (public functions only); never fleet/ or the package top."""
