"""Fixtures of the emulator's own tests (besides tests/conftest.py's)."""
import pytest


@pytest.fixture
def arm(emu):
    """The session's emulator, reset to its seed (demopremium, home westus, no replicas): talked to directly."""
    emu.reset()
    return emu
