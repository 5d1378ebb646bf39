"""What the ARM front and the registry data plane share: an HTTP/1.1 handler that answers JSON, drops
connections on demand, takes injected faults and dispatches every method to its front's _handle."""
import json
import socket
import time
from http.server import BaseHTTPRequestHandler


class JsonHandler(BaseHTTPRequestHandler):
    """What the ARM front and the registry data plane share: JSON answers, dropped connections."""
    protocol_version = "HTTP/1.1"
    server_version = "acr-replication-emulator"
    timeout = 120  # an idle keep-alive connection does not hold a thread forever

    def log_message(self, *_):  # quiet: the request log is ours
        pass

    @property
    def emu(self):
        return self.server.emulator

    def _base(self):
        return "https://" + (self.headers.get("Host") or "127.0.0.1")

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return raw

    def _send(self, status, body=None, headers=None, head_only=False):
        data = b"" if body is None else json.dumps(body).encode()
        headers = headers or {}
        self.send_response(status)
        if body is not None and "Content-Type" not in headers:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(data)))
        self.send_header("x-ms-request-id", "emulator")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not head_only:
            self.wfile.write(data)
        self._status = status

    def _drop(self):
        self.close_connection = True
        self._status = 0
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _handle(self, method):
        raise NotImplementedError

    def _take_fault(self, method, path, host):
        """The injected fault for this request, or None; a fault with a delay holds the request first
        (and with status 200 then lets it through)."""
        fault = self.emu.controls.match_fault(method, path, host)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
            fault = None if fault.status == 200 else fault
        return fault

    @staticmethod
    def _fault_headers(fault):
        return {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}

    # http.server's names; each front has its own _handle
    def do_GET(self):  # noqa: N802
        self._handle("GET")

    def do_HEAD(self):  # noqa: N802
        self._handle("HEAD")

    def do_PUT(self):  # noqa: N802
        self._handle("PUT")

    def do_PATCH(self):  # noqa: N802
        self._handle("PATCH")

    def do_DELETE(self):  # noqa: N802
        self._handle("DELETE")

    def do_POST(self):  # noqa: N802
        self._handle("POST")
