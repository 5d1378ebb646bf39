# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Many registries from one desired-state file: reading and checking the file, planning and applying
every registry at once, and the az side of `sync --file`.

Imports arm/ and replicas/ (public functions only); never images/ or the package top."""
