"""The registry data plane: the HTTPS proxy for *.azurecr.io (proxy.py) and the registry API served in its
tunnels (registry.py)."""
