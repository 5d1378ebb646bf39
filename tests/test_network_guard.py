"""Nothing the tests start can reach an address outside loopback: az's requests go through the emulator's proxy,
which refuses (and records) every host that is not a registry, and tests/guard refuses a socket to any address
that is not loopback in every Python process the tests start."""
import os
import subprocess
import sys
import time

import pytest

from tests.azcli import GUARD_DIR

pytestmark = pytest.mark.e2e


def test_az_request_to_a_public_address_is_refused_at_once_by_the_proxy_and_recorded(az, emu):
    started = time.monotonic()
    result = az("rest --method get --url https://192.0.2.10/subscriptions?api-version=2022-12-01", expect=None)
    assert result.code != 0
    assert time.monotonic() - started < 30
    assert "192.0.2.10" in result.stderr or "proxy" in result.stderr.lower() or "connect" in result.stderr.lower()
    assert "CONNECT 192.0.2.10:443" in emu.leaks()
    emu.clear_leaks()  # expected here; anywhere else a leak fails the session


def test_guard_refuses_and_records_non_loopback_connections(tmp_path):
    log = tmp_path / "violations.log"
    code = ("import socket\n"
            "try:\n"
            "    socket.create_connection(('192.0.2.10', 443), timeout=2)\n"
            "except ConnectionRefusedError as e:\n"
            "    print('refused', e)\n")
    env = dict(os.environ, PYTHONPATH=GUARD_DIR, ACR_NET_GUARD_LOG=str(log))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30)
    assert "refused" in out.stdout
    assert "192.0.2.10" in log.read_text()


def test_guard_allows_loopback(tmp_path, emu):
    env = dict(os.environ, PYTHONPATH=GUARD_DIR, ACR_NET_GUARD_LOG=str(tmp_path / "v.log"))
    port = emu.server.server_address[1]
    code = "import socket; socket.create_connection(('127.0.0.1', {}), timeout=2).close(); print('ok')".format(port)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "ok"
    assert not (tmp_path / "v.log").exists()
