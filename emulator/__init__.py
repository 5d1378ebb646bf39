"""A local stand-in for the part of Azure Resource Manager that acr-replication uses.

Test, demo and benchmark infrastructure only: it is not shipped in the extension wheel.
Start it with ``python -m emulator serve`` or ``emulator.harness.running_emulator()``.
"""
