#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host test of scripts/net-hub.py with three fake guests on loopback.

Checks: a broadcast reaches every other guest and not the sender; once a
MAC was seen, a frame for it goes to its guest only; a frame from a port
that is not a configured guest is dropped.  Exit status 0 if all hold.
"""

import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def frame(dst, src):
    return bytes(dst) + bytes(src) + b"\x08\x00" + b"payload"


def received(sock):
    try:
        return sock.recv(2048)
    except socket.timeout:
        return None


def main():
    hub = free_port()
    guests = []
    for _ in range(3):
        g = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        g.bind(("127.0.0.1", 0))
        g.settimeout(0.5)
        guests.append(g)
    ports = [str(g.getsockname()[1]) for g in guests]
    proc = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "net-hub.py"), str(hub)] + ports,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    failures = []
    try:
        if "listening" not in proc.stdout.readline():
            failures.append("hub did not start")
            return 1
        mac = [[0x52, 0x54, 0, 0xA1, 0, i] for i in range(3)]
        bcast = [0xFF] * 6
        # Broadcast from guest 0: guests 1 and 2 get it, guest 0 does not.
        guests[0].sendto(frame(bcast, mac[0]), ("127.0.0.1", hub))
        got = [received(g) for g in guests]
        if got[1] is None or got[2] is None:
            failures.append("broadcast not flooded to the other guests")
        if got[0] is not None:
            failures.append("broadcast sent back to its sender")
        # Guest 1 answers guest 0's MAC (learnt): only guest 0 gets it.
        guests[1].sendto(frame(mac[0], mac[1]), ("127.0.0.1", hub))
        got = [received(g) for g in guests]
        if got[0] is None:
            failures.append("unicast to a learnt MAC not delivered")
        if got[2] is not None:
            failures.append("unicast to a learnt MAC flooded")
        # A stranger's frame is dropped.
        stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        stranger.bind(("127.0.0.1", 0))
        stranger.sendto(frame(bcast, [2, 0, 0, 0, 0, 9]), ("127.0.0.1", hub))
        time.sleep(0.1)
        got = [received(g) for g in guests]
        if any(x is not None for x in got):
            failures.append("a frame from an unknown port was forwarded")
    finally:
        proc.terminate()
        proc.wait(timeout=5)
    for f in failures:
        print("net-hub:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
