"""Hand one mail to the SMTP server within an overall deadline.

smtplib's timeout applies to each socket operation, so a server that trickles one byte a second
never times out, and the sender would wait for ever with the mail's row locked. `send_within`
sends through a Flask-Mail connection whose sockets a timer shuts down when the deadline passes:
the blocked read returns, smtplib raises, and the mail is retried later like any other failure.
"""
from __future__ import annotations

import smtplib
import socket
import threading
import time

from flask import current_app
from flask_mail import Connection, Mail, Message


class DeadlinePassed(OSError):
    """The SMTP server did not take the mail within the overall deadline."""


class _Watch:
    """The sockets of one delivery, shut down together when the deadline passes."""

    def __init__(self) -> None:
        self.sockets: list[socket.socket] = []
        self.passed = False
        self._lock = threading.Lock()

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self.sockets.append(sock)
            if self.passed:  # the deadline passed while connecting
                _shut(sock)

    def expire(self) -> None:
        with self._lock:
            self.passed = True
            for sock in self.sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed: nothing left to stop


def _watched(base: type[smtplib.SMTP], watch: _Watch) -> type[smtplib.SMTP]:
    class Watched(base):  # type: ignore[misc, valid-type]
        def _get_socket(self, host, port, timeout):
            sock = super()._get_socket(host, port, timeout)
            watch.add(sock)
            return sock
    return Watched


class _DeadlineConnection(Connection):
    """Flask-Mail's connection, its SMTP sockets watched (the same set-up as configure_host)."""

    def __init__(self, mail: Mail, watch: _Watch) -> None:
        super().__init__(mail)
        self.watch = watch

    def configure_host(self) -> smtplib.SMTP:
        base = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = _watched(base, self.watch)(self.mail.server, self.mail.port)
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def send_within(message: Message, seconds: float) -> None:
    """Send `message` through the app's Flask-Mail settings, or raise DeadlinePassed after
    `seconds` in all."""
    state = current_app.extensions["mail"]
    watch = _Watch()
    timer = threading.Timer(seconds, watch.expire)
    timer.daemon = True
    started = time.monotonic()
    timer.start()
    try:
        with _DeadlineConnection(state, watch) as connection:
            connection.send(message)
    except Exception as error:
        if watch.passed:
            raise DeadlinePassed(
                f"the SMTP server did not take the mail within {seconds:g} s "
                f"(stopped after {time.monotonic() - started:.0f} s)") from error
        raise
    finally:
        timer.cancel()
