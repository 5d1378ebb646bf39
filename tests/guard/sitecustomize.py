"""Loaded into every `az` the tests start (via PYTHONPATH): refuse any connection or name lookup
that is not loopback, and note it in $ACR_NET_GUARD_LOG so the test session fails."""
import os
import socket

_LOOPBACK = ("127.", "::1", "localhost")
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo


def _allowed(host):
    return isinstance(host, str) and (host.startswith(_LOOPBACK) or host == "")


def _refuse(host):
    path = os.environ.get("ACR_NET_GUARD_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write("{} {}\n".format(os.getpid(), host))
    raise ConnectionRefusedError("network guard: {} is not loopback".format(host))


def _host(address):
    return address[0] if isinstance(address, tuple) else address


def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _allowed(_host(address)):
        _refuse(_host(address))
    return _connect(self, address)


def connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _allowed(_host(address)):
        _refuse(_host(address))
    return _connect_ex(self, address)


def getaddrinfo(host, *args, **kwargs):
    if host is not None and not _allowed(host if isinstance(host, str) else host.decode()):
        _refuse(host)
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.getaddrinfo = getaddrinfo
