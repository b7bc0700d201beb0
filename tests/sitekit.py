"""A real local news site on 127.0.0.1 for crawl tests: routes, request log, bad behaviours."""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    conditional: bool = False  # answer If-None-Match / If-Modified-Since with 304
    behaviour: str | None = None  # sleep | reset | stream | None
    seconds: float = 0.0  # for sleep
    size: int = 0  # for stream
    handler: Callable[[BaseHTTPRequestHandler], None] | None = None


@dataclass(frozen=True)
class Hit:
    method: str
    path: str
    headers: dict[str, str]
    status: int


class TestSite:
    """A threaded HTTP server whose pages are set per test; remembers every request."""

    __test__ = False  # not a pytest class

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                site._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # the default 5 drops connections under a busy crawl

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, route: Route | bytes | str, **kwargs: Any) -> None:
        if isinstance(route, str):
            route = route.encode("utf-8")
        if isinstance(route, bytes):
            route = Route(body=route, **kwargs)
        self.routes[path] = route

    def requests_to(self, prefix: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path.startswith(prefix)]

    def reset_log(self) -> None:
        with self._lock:
            self.hits.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- serving ---------------------------------------------------------------------------

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        # Like a real server: /news/%D0%B2... is the page added as /news/в...
        route = self.routes.get(h.path) or self.routes.get(unquote(h.path))
        status = 404 if route is None else route.status
        if route is not None and route.conditional and _not_modified(h, route):
            status = 304
        with self._lock:
            self.hits.append(Hit("GET", h.path, dict(h.headers.items()), status))
        if route is None:
            return send(h, 404, b"<html><body>not found</body></html>", "text/html")
        if route.handler is not None:
            return route.handler(h)
        if route.behaviour == "sleep":
            time.sleep(route.seconds)
        elif route.behaviour == "reset":
            return _reset(h)
        elif route.behaviour == "stream":
            return _stream(h, route)
        headers = dict(route.headers)
        if route.conditional:
            headers.update(_validators(route))
        if status == 304:
            return send(h, 304, b"", None, headers)
        send(h, status, route.body, route.content_type, headers)


def _validators(route: Route) -> dict[str, str]:
    etag = f'"{abs(hash(route.body)):x}"'
    return {"ETag": etag, "Last-Modified": formatdate(1_700_000_000, usegmt=True)}


def _not_modified(h: BaseHTTPRequestHandler, route: Route) -> bool:
    return h.headers.get("If-None-Match") == _validators(route)["ETag"]


def send(
    h: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str | None,
    headers: dict[str, str] | None = None,
) -> None:
    try:
        h.send_response(status)
        if content_type:
            h.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if body:
            h.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        pass


def _reset(h: BaseHTTPRequestHandler) -> None:
    """Close the connection with a TCP RST before any response."""
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()
    h.close_connection = True


def _stream(h: BaseHTTPRequestHandler, route: Route) -> None:
    """Send ``route.size`` bytes of HTML without a Content-Length, as a huge page would."""
    chunk = b"<p>" + b"x" * 1_000_000 + b"</p>\n"
    try:
        h.send_response(200)
        h.send_header("Content-Type", route.content_type)
        h.send_header("Connection", "close")  # no Content-Length: the size shows as it comes
        h.end_headers()
        sent = 0
        while sent < route.size:
            piece = chunk[: route.size - sent]
            h.wfile.write(piece)
            sent += len(piece)
    except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
        pass
    h.close_connection = True


def gz(data: bytes) -> bytes:
    return gzip.compress(data)
