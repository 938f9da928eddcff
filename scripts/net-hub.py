#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The cluster's Ethernet switch: loopback unicast UDP only.

scripts/cluster.sh starts one per run of three or more guests.  Each
guest's QEMU has `-netdev socket,udp=127.0.0.1:HUB,localaddr=127.0.0.1:P_i`:
it sends every Ethernet frame as one datagram to the hub's port HUB and
receives frames on its own port P_i.  The hub is a learning switch: it
learns which port each source MAC comes from, sends a frame for a known
unicast MAC to that port only, and floods the others (broadcast,
multicast, unknown) to every guest but the sender.  Datagrams from any
other address than a configured guest port are dropped, so nothing but
the run's own guests can inject frames, and nothing is ever sent outside
127.0.0.1.

Usage: net-hub.py HUB_PORT GUEST_PORT... (runs until killed; a line on
stdout once it listens, counts on stderr when it ends).
"""

import signal
import socket
import sys

LOOPBACK = "127.0.0.1"


def main(argv):
    if len(argv) < 3:
        print("usage: net-hub.py HUB_PORT GUEST_PORT...", file=sys.stderr)
        return 2
    hub = int(argv[1])
    guests = [(LOOPBACK, int(p)) for p in argv[2:]]
    members = set(guests)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((LOOPBACK, hub))
    where = {}  # source MAC -> guest address
    frames = dropped = 0

    def stop(*_):
        print(f"net-hub: {frames} frames, {dropped} dropped", file=sys.stderr)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"net-hub: listening on {LOOPBACK}:{hub} for {len(guests)} guests", flush=True)
    while True:
        try:
            data, src = s.recvfrom(65536)
        except OSError:
            # A late ICMP error about a guest that is gone.
            continue
        if src not in members or len(data) < 14:
            dropped += 1
            continue
        frames += 1
        dst_mac, src_mac = data[0:6], data[6:12]
        if not src_mac[0] & 1:
            where[src_mac] = src
        to = where.get(dst_mac) if not dst_mac[0] & 1 else None
        targets = [to] if to is not None and to != src else [g for g in guests if g != src]
        for t in targets:
            try:
                s.sendto(data, t)
            except OSError:
                # A guest that is gone (killed on purpose): its port is
                # closed; the others go on.
                dropped += 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
