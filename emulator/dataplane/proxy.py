"""The HTTPS proxy the `az` under test uses: a CONNECT to a registry host (<registry>.azurecr.io,
<registry>-<dnl hash>.azurecr.io, <registry>.<region>.geo.azurecr.io; azurecr.cn and azurecr.us in sovereign
clouds) gets a TLS tunnel signed by the emulator's CA, served by RegistryHandler; any other host is refused
and recorded as a leak. With the knob tls_inspection it acts as a TLS-inspecting proxy: the tunnel's
certificate is signed by a foreign CA the client does not trust."""
import re
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .registry import RegistryHandler

ACR_SUFFIXES = ("azurecr.io", "azurecr.cn", "azurecr.us")  # public, Azure China, Azure US Government
REGISTRY_HOST = re.compile(r"^[a-z0-9]{5,50}(-[a-z0-9]+)?(\.[a-z0-9]+\.geo)?\.azurecr\.(io|cn|us)$")


class ProxyHandler(BaseHTTPRequestHandler):
    """An HTTPS proxy that only knows registry hosts."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def do_CONNECT(self):  # noqa: N802
        host, _, port = self.path.rpartition(":")
        host = host.lower()
        emulator = self.server.emulator
        if port != "443" or not REGISTRY_HOST.match(host):
            emulator.record_leak("CONNECT " + self.path)
            return self._refuse(403, "Forbidden")
        if host in emulator.controls["down_endpoints"] or emulator.controls.is_down(host) or \
                emulator.state.endpoint(host) is None:
            emulator.record({"method": "CONNECT", "path": "", "query": "", "host": host, "status": 502,
                             "start": time.time(), "seconds": 0})
            return self._refuse(502, "Bad Gateway")
        self.send_response(200, "Connection Established")
        self.end_headers()
        self.wfile.flush()
        tls = self.server.foreign_tls if emulator.controls["tls_inspection"] else self.server.tls
        try:
            tunnel = tls.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            self.close_connection = True
            return None
        try:
            RegistryHandler(tunnel, self.client_address, self.server, host)
        except (ssl.SSLError, OSError):
            pass
        self.close_connection = True
        return None

    def _refuse(self, status, reason):
        self.send_response(status, reason)
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.close_connection = True

    def _plain(self):
        self.server.emulator.record_leak("{} {}".format(self.command, self.path))
        self._refuse(403, "Forbidden")

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = do_PATCH = _plain  # noqa: N815


class ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, emulator, leaf, foreign_leaf):
        """leaf, foreign_leaf: (certificate path, key path), signed by the emulator's CA and by a foreign one."""
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.emulator = emulator
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(*leaf)
        self.foreign_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.foreign_tls.load_cert_chain(*foreign_leaf)

    @property
    def url(self):
        return "http://127.0.0.1:{}".format(self.server_address[1])


def registry_dns_names(regions):
    """The names the leaf certificate covers: every global and every regional registry endpoint, in every
    cloud's suffix (a wildcard covers <registry>-<dnl hash> too)."""
    return ["*." + suffix for suffix in ACR_SUFFIXES] + [
        "*.{}.geo.{}".format(region, suffix) for suffix in ACR_SUFFIXES for region in regions]


def serve_proxy(emulator, leaf, foreign_leaf):
    proxy = ProxyServer(emulator, leaf, foreign_leaf)
    threading.Thread(target=proxy.serve_forever, name="registry-proxy", daemon=True).start()
    return proxy
