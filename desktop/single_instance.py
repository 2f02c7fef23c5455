"""One Claude Desk per data folder: a second launch brings the running window forward.

The first launch locks the data folder (`storage.folder_lock`: the OS's own file lock, which
it drops when the process ends, a crash included) before it opens the history, so two
processes never write one history. Once its window is painted it listens on a local server
(`QLocalServer`: a Unix socket, a named pipe on Windows) whose per-user name is derived from
the data folder. A second launch finds the lock taken, connects, asks for ``activate`` and
exits; the first raises and activates its window and answers ``raised``. A socket file left
by a crash is removed before listening (holding the lock proves nobody else uses it). Smoke
runs and tests use their own data folders, so they never meet a running app.

QtNetwork (~6 ms to import) loads after the first paint, or in the second launch only.
"""

from __future__ import annotations

import contextlib
import os
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.storage.folder_lock import LOCK_NAME, FolderLock

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer, QLocalSocket

__all__ = ["LOCK_NAME", "SingleInstance", "already_running", "bring_forward", "server_name"]
ACTIVATE = b"activate\n"
RAISED = b"raised\n"
CONNECT_WAIT_S = 10.0  # the first launch may still be painting its window (no server yet)
REPLY_WAIT_MS = 5000


def server_name(data_dir: Path) -> str:
    """The local server's name for this user and data folder (short: Unix socket paths are).

    zlib's checksums, not hashlib: hashlib loads OpenSSL (~15 ms) before the first paint."""
    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "")
    key = f"{user}\0{os.path.normcase(str(Path(data_dir).absolute()))}".encode()
    return f"claude-desk-{zlib.crc32(key):08x}{zlib.adler32(key):08x}"


class SingleInstance:
    """This process's claim on one data folder, and the server a second launch talks to."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.name = server_name(self.data_dir)
        self._lock = FolderLock(self.data_dir)
        self._server: QLocalServer | None = None
        self._on_activate: Callable[[], None] | None = None

    def claim(self) -> bool:
        """Take the data folder; False if another running Claude Desk holds it."""
        return self._lock.acquire()

    @property
    def claimed(self) -> bool:
        return self._lock.held

    def listen(self, on_activate: Callable[[], None]) -> bool:
        """Answer second launches: `on_activate` runs (on the UI thread) for each one."""
        from PySide6.QtNetwork import QLocalServer

        assert self.claimed, "listen only after claim()"
        self._on_activate = on_activate
        QLocalServer.removeServer(self.name)  # a crashed run's socket file: ours to remove
        server = QLocalServer()
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.newConnection.connect(self._on_server_new_connection)
        if not server.listen(self.name):
            return False
        self._server = server
        return True

    @property
    def listening(self) -> bool:
        return self._server is not None and self._server.isListening()

    def _on_server_new_connection(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._on_socket_ready_read(s))
            socket.disconnected.connect(socket.deleteLater)

    def _on_socket_ready_read(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            if socket.bytesAvailable() > 64:  # not one of ours
                socket.abort()
            return
        line = bytes(socket.readLine().data())
        if line == ACTIVATE and self._on_activate is not None:
            self._on_activate()
            socket.write(RAISED)
            socket.flush()
        socket.disconnectFromServer()

    def release(self) -> None:
        """Stop listening and give the data folder up (at quit)."""
        if self._server is not None:
            self._server.close()
            self._server = None
        self._lock.release()


def bring_forward(data_dir: Path, wait_s: float = CONNECT_WAIT_S) -> bool:
    """As a second launch: ask the running Claude Desk to raise its window; True if it did.

    Retries the connection for `wait_s` seconds: the first launch listens once its window is
    painted. Needs no QApplication (blocking socket calls).
    """
    from PySide6.QtNetwork import QLocalSocket

    name = server_name(data_dir)
    deadline = time.monotonic() + wait_s
    while True:
        socket = QLocalSocket()
        socket.connectToServer(name)
        if socket.waitForConnected(500):
            return _ask_to_raise(socket)
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def _ask_to_raise(socket: QLocalSocket) -> bool:
    with contextlib.ExitStack() as stack:
        stack.callback(socket.abort)
        socket.write(ACTIVATE)
        if not socket.waitForBytesWritten(REPLY_WAIT_MS):
            return False
        while not socket.canReadLine():
            if not socket.waitForReadyRead(REPLY_WAIT_MS):
                return False
        return bytes(socket.readLine().data()) == RAISED
    return False  # pragma: no cover  (mypy: ExitStack may swallow)


def already_running(data_dir: Path) -> int:
    """What a second launch does: bring the first one's window forward, say so, exit status."""
    import sys

    if bring_forward(data_dir):
        print("Claude Desk is already running; its window was brought forward.", file=sys.stderr)
        return 0
    print(
        f"Claude Desk is already running with the data in {data_dir}, but its window did not "
        "answer. Close it (or end its process) and start Claude Desk again.",
        file=sys.stderr,
    )
    return 1
