"""Faults between the app and what it talks to: a TCP proxy that can be cut and restored, and
servers that stall or trickle."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable


class TcpProxy:
    """Forwards 127.0.0.1:`port` to `upstream`. `cut()` drops every connection and stops
    listening, as a database server that went away; `restore()` listens again on the same port.
    `first(handler)` lets `handler(client_socket)` serve the next connection instead."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._special: list[Callable[[socket.socket], None]] = []
        self.connections = 0

    def __enter__(self) -> TcpProxy:
        self.restore()
        return self

    def __exit__(self, *exc) -> None:
        self.cut()

    def first(self, handler: Callable[[socket.socket], None]) -> None:
        self._special.append(handler)

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _close(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            self.connections += 1
            with self._lock:
                self._sockets.add(client)
            if self._special:
                handler = self._special.pop(0)
                threading.Thread(target=handler, args=(client,), daemon=True).start()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._sockets.add(server)
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=(source, target), daemon=True).start()


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        _close(source)
        _close(target)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def trickle(text: bytes, seconds_per_byte: float = 1.0) -> Callable[[socket.socket], None]:
    """A server that sends `text` one byte every `seconds_per_byte`, then says no more."""
    def serve(client: socket.socket) -> None:
        try:
            for byte in text:
                client.sendall(bytes([byte]))
                time.sleep(seconds_per_byte)
            client.recv(1)  # and then stalls until the other side goes
        except OSError:
            pass
        finally:
            _close(client)
    return serve
