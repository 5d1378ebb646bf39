"""A local stand-in for the parts of Azure that acr-replication uses: Azure Resource Manager (identity,
subscriptions, registries, replications) and the registry data plane (regional endpoints, tokens, manifests,
listings).

Test, demo and benchmark infrastructure only: it is not shipped in the extension wheel.
Start it with ``python -m emulator serve`` or ``emulator.harness.running_emulator()``.
"""
