"""Messages with attached file descriptors over a unix socketpair between the worker
and its long-lived children (zygote, judge): 4-byte length, JSON body, fds on the header."""
from __future__ import annotations

import socket
from array import array

from sandbox import codec


def send_msg(sock: socket.socket, obj, fds=()) -> None:
    data = codec.dumps(obj)
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array("i", fds))] if fds else []
    sock.sendmsg([len(data).to_bytes(4, "little")], anc)
    sock.sendall(data)


def recv_msg(sock: socket.socket):
    """(message, fds); (None, []) at EOF."""
    header, anc, _, _ = sock.recvmsg(4, socket.CMSG_SPACE(16 * 4))
    fds = array("i")
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    if not header:
        return None, list(fds)
    while len(header) < 4:
        more = sock.recv(4 - len(header))
        if not more:
            return None, list(fds)
        header += more
    size, chunks = int.from_bytes(header, "little"), []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            return None, list(fds)
        chunks.append(chunk)
        size -= len(chunk)
    return codec.loads(b"".join(chunks)), list(fds)
