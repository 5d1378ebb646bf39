"""What the emulator knows: subscriptions, registries, replicas and their operations (arm.py), images and
their spread across regions (images.py), knobs and injected faults (knobs.py), tokens (tokens.py), and
the Emulator that holds them all, and the regions it offers (regions.py). No HTTP here: imports nothing from
arm/, dataplane/ or the harness."""
from .arm import CLIENT_ID, CLIENT_SECRET, SECOND_SUBSCRIPTION_ID, SUBSCRIPTION_ID, TENANT_ID  # noqa: F401
