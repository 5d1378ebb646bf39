"""The registry data plane: the HTTPS proxy for *.azurecr.io (proxy.py) and the registry API served in its
tunnels (registry.py). Imports state/ and json_handler only; never arm/ or the harness."""
