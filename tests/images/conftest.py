"""Fixtures of the images unit tests (besides tests/conftest.py's)."""
import pytest

from azext_acr_replication.images import poller
from tests.helpers import virtual_time


@pytest.fixture
def clock(monkeypatch):
    """Virtual time for the poller: its threads take part through VirtualTime.threading (closed at the end)."""
    virtual = virtual_time(monkeypatch, poller)
    yield virtual
    virtual.close()
