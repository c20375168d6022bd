"""The reload signal to a browser that goes away mid-write: a real tornado server and a real socket, no traceback."""

from __future__ import annotations

import asyncio
import gc
import threading

from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port
from tornado.web import Application
from tornado.websocket import WebSocketHandler

from generator.preview.reload import _send

HANDSHAKE = (b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


async def _a_browser_that_reloads_mid_write() -> tuple[bool, list[str], bool]:
    loop = asyncio.get_running_loop()
    reported: list[str] = []
    loop.set_exception_handler(lambda _loop, context: reported.append(context["message"]))
    opened: list[WebSocketHandler] = []

    class Socket(WebSocketHandler):
        def open(self) -> None:
            opened.append(self)

    listening, port = bind_unused_port()
    server = HTTPServer(Application([("/ws", Socket)]))
    server.add_sockets([listening])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(HANDSHAKE)
    await reader.readuntil(b"\r\n\r\n")
    while not opened:
        await asyncio.sleep(0.01)
    # Far more than a socket buffer holds: the write is still under way when the browser goes.
    accepted = _send(opened[0], {"command": "reload", "path": "x" * 20_000_000})
    writer.transport.abort()
    for _ in range(200):
        await asyncio.sleep(0.01)
        if opened[0].ws_connection is None or opened[0].ws_connection.is_closing():
            break
    await asyncio.sleep(0.1)
    gc.collect()  # a failed write nobody took is reported when it is freed
    await asyncio.sleep(0.05)
    after = _send(opened[0], {"command": "reload", "path": "*"})
    server.stop()
    return accepted, reported, after


def test_a_browser_gone_mid_write_is_no_traceback_and_counts_as_gone() -> None:
    # A loop of its own in a thread of its own: the browser tests leave an event loop running in this one.
    results: list[tuple[bool, list[str], bool]] = []
    worker = threading.Thread(target=lambda: results.append(asyncio.run(_a_browser_that_reloads_mid_write())))
    worker.start()
    worker.join(timeout=60)
    assert results, "the scenario did not finish"
    accepted, reported, after = results[0]
    assert accepted  # the write began: its failure came later, from the event loop
    assert reported == []  # before the fix: ["Task exception was never retrieved"]
    assert after is False
