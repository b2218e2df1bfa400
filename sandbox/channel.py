"""Messages with attached file descriptors over a unix socketpair between the worker
and its children: 4-byte length, body (JSON, or bytes as they are), fds on the header."""

from __future__ import annotations

import socket
from array import array
from collections.abc import Sequence
from typing import Any

from sandbox import frames


def send_msg(sock: socket.socket, obj: object, fds: Sequence[int] = ()) -> None:
    send_bytes(sock, frames.dumps(obj), fds)


def send_bytes(sock: socket.socket, data: bytes, fds: Sequence[int] = ()) -> None:
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array("i", fds))] if fds else []
    sock.sendmsg([len(data).to_bytes(4, "little")], anc)
    sock.sendall(data)


def recv_msg(sock: socket.socket) -> tuple[Any, list[int]]:
    """(message, fds); (None, []) at EOF. The message is any JSON value (frames.loads)."""
    data, fds = recv_bytes(sock)
    return (None if data is None else frames.loads(data)), fds


def recv_bytes(sock: socket.socket) -> tuple[bytes | None, list[int]]:
    """(body, fds); (None, []) at EOF."""
    header, anc, _, _ = sock.recvmsg(4, socket.CMSG_SPACE(16 * 4))
    fds = received_fds(anc)
    if not header:
        return None, fds
    while len(header) < 4:
        more = sock.recv(4 - len(header))
        if not more:
            return None, fds
        header += more
    size, chunks = int.from_bytes(header, "little"), []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            return None, fds
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks), fds


def received_fds(ancillary: list[tuple[int, int, bytes]]) -> list[int]:
    """The file descriptors in a recvmsg's ancillary data."""
    fds = array("i")
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    return list(fds)
