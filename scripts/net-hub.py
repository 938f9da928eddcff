#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The cluster's Ethernet switch: loopback unicast UDP only.

scripts/cluster.sh starts one per run of three or more guests (and for two
when NET_FAULTS is set).  Each guest's QEMU has `-netdev
socket,udp=127.0.0.1:HUB,localaddr=127.0.0.1:P_i`: it sends every Ethernet
frame as one datagram to the hub's port HUB and receives frames on its own
port P_i.  The hub is a learning switch: it learns which port each source
MAC comes from, sends a frame for a known unicast MAC to that port only,
and floods the others (broadcast, multicast, unknown) to every guest but
the sender.  Datagrams from any other address than a configured guest
port are dropped, so nothing but the run's own guests can inject frames,
and nothing is ever sent outside 127.0.0.1.

Faults (issue 20: the lock table under a bad link), all off by default:

  --loss P      drop each frame from a guest with probability P (one draw
                per frame: a flooded frame is lost for all its receivers);
  --delay MS    hold each frame MS milliseconds before it is forwarded;
  --jitter MS   add a uniform random -MS..+MS to each frame's hold (the
                hold never goes below 0), so frames closer than the jitter
                get reordered;
  --reorder P   hold each frame with probability P until the next frame
                from the same guest was forwarded (at most REORDER_HOLD_MS
                more if none comes), so that it arrives after it;
  --seed S      seed of the one random stream that decides all of the
                above, in the order the frames arrive: the same seed and
                the same frames give the same losses, holds and order.
                Without it a seed is drawn; it is printed either way.

Without --delay, --jitter and --reorder, frames are forwarded at once, as
without faults (no heap, no timers); with them, each accepted frame goes
into a heap of (due time, order, arrival number, frame, destinations)
that the loop empties between datagrams, with poll() timeouts as its only
wait.  Destinations are chosen (and MACs learnt) when a frame arrives.

Usage: net-hub.py [FAULTS] HUB_PORT GUEST_PORT... (runs until killed; a
line on stdout once it listens, with the faults and the seed if any;
counts on stderr when it ends:

  net-hub: N frames, M dropped, L lost, D delayed, R reordered (S strangers, E send errors, P pending)

N frames were accepted from the guests; M were dropped by the hub itself,
as ever: S from strangers (or too short) plus E sends that failed (a guest
that is gone); L were lost on purpose (--loss); D were held > 0 ms;
R were forwarded while a frame that arrived earlier was still held; P
were still held when the hub was stopped.)
"""

import argparse
import heapq
import math
import os
import random
import select
import signal
import socket
import sys
import time

LOOPBACK = "127.0.0.1"
# --reorder: the longest a held frame waits for the next one from its guest.
REORDER_HOLD_MS = 10.0


def probability(text):
    p = float(text)
    if not 0.0 <= p <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not a probability in 0..1")
    return p


def milliseconds(text):
    ms = float(text)
    if not 0.0 <= ms <= 60000.0 or math.isnan(ms):
        raise argparse.ArgumentTypeError(f"{text} is not 0..60000 ms")
    return ms


def parse(argv):
    ap = argparse.ArgumentParser(prog="net-hub.py", description="loopback learning switch of the cluster's guests, with optional faults")
    ap.add_argument("--loss", type=probability, default=0.0, metavar="P")
    ap.add_argument("--delay", type=milliseconds, default=0.0, metavar="MS")
    ap.add_argument("--jitter", type=milliseconds, default=0.0, metavar="MS")
    ap.add_argument("--reorder", type=probability, default=0.0, metavar="P")
    ap.add_argument("--seed", type=int, default=None, metavar="S")
    ap.add_argument("hub", type=int, metavar="HUB_PORT")
    ap.add_argument("guests", type=int, nargs="+", metavar="GUEST_PORT")
    return ap.parse_args(argv)


def main(argv):
    args = parse(argv[1:])
    hub = args.hub
    guests = [(LOOPBACK, p) for p in args.guests]
    members = set(guests)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((LOOPBACK, hub))
    where = {}  # source MAC -> guest address
    frames = strangers = senderr = lost = delayed = reordered = 0
    heap = []  # the frames held by the fault loop

    timed = args.delay > 0 or args.jitter > 0 or args.reorder > 0
    faulty = timed or args.loss > 0
    seed = args.seed
    if seed is None and faulty:
        seed = int.from_bytes(os.urandom(4), "little")
    faults = ""
    if seed is not None:
        faults = (f" (faults: loss {args.loss:g}, delay {args.delay:g} ms, jitter {args.jitter:g} ms,"
                  f" reorder {args.reorder:g}; seed {seed})")

    def stop(*_):
        pending = sum(1 for e in heap if e[5])
        print(f"net-hub: {frames} frames, {strangers + senderr} dropped, {lost} lost, {delayed} delayed,"
              f" {reordered} reordered ({strangers} strangers, {senderr} send errors, {pending} pending)"
              + (f"; seed {seed}" if seed is not None else ""), file=sys.stderr)
        sys.exit(0)

    def route(data, src):
        """Where a frame from guest src goes (learning its source MAC), or
        None for a stranger's or a runt; counts both."""
        nonlocal frames, strangers
        if src not in members or len(data) < 14:
            strangers += 1
            return None
        frames += 1
        dst_mac, src_mac = data[0:6], data[6:12]
        if not src_mac[0] & 1:
            where[src_mac] = src
        to = where.get(dst_mac) if not dst_mac[0] & 1 else None
        return [to] if to is not None and to != src else [g for g in guests if g != src]

    def fault_loop(rng, s):
        """The switch with --loss/--delay/--jitter/--reorder; never returns."""
        nonlocal senderr, lost, delayed, reordered
        loss, delay, jitter, reorder = args.loss, args.delay / 1000, args.jitter / 1000, args.reorder
        hold_max = REORDER_HOLD_MS / 1000
        # heap entries: [due, order, arrival, data, targets, live, holder,
        # base]; order is unique, so entries never compare beyond it.  A
        # frame held by --reorder (holder: its guest; base: its due time
        # without the hold) that gets released is pushed again and its old
        # entry marked dead (live = False).
        order = 0
        arrival = 0
        held = {}  # guest address -> the heap entry of its frame held by --reorder
        waiting = []  # arrival numbers of the frames in the heap (min-heap, lazy)
        gone = set()  # arrival numbers forwarded, still in waiting
        poller = select.poll()
        poller.register(s, select.POLLIN)

        def send(data, targets):
            nonlocal senderr
            for t in targets:
                try:
                    s.sendto(data, t)
                except OSError:
                    senderr += 1

        def push(due, seq, data, targets, holder, base=None):
            nonlocal order
            order += 1
            e = [due, order, seq, data, targets, True, holder, base]
            heapq.heappush(heap, e)
            return e

        while True:
            if timed:
                # Forward what is due, in due order.
                now = time.monotonic()
                while heap and heap[0][0] <= now:
                    e = heapq.heappop(heap)
                    if not e[5]:
                        continue
                    seq = e[2]
                    while waiting and waiting[0] in gone:
                        gone.discard(heapq.heappop(waiting))
                    if waiting and waiting[0] < seq:
                        reordered += 1
                    gone.add(seq)
                    if e[6] is not None and held.get(e[6]) is e:
                        del held[e[6]]  # no next frame came in time
                    e[5] = False
                    send(e[3], e[4])
                timeout = None
                if heap:
                    # Whole milliseconds, rounded up: never wake before it is due.
                    timeout = max(0, math.ceil((heap[0][0] - time.monotonic()) * 1000))
                if not poller.poll(timeout):
                    continue
            try:
                data, src = s.recvfrom(65536)
            except OSError:
                continue
            targets = route(data, src)
            if targets is None:
                continue
            if loss and rng.random() < loss:
                lost += 1
                continue
            if not timed:
                send(data, targets)
                continue
            now = time.monotonic()
            hold = delay
            if jitter:
                hold = max(0.0, hold + rng.uniform(-jitter, jitter))
            if hold > 0:
                delayed += 1
            arrival += 1
            heapq.heappush(waiting, arrival)
            due = now + hold
            h = held.pop(src, None)
            if h is not None:
                # This guest's held frame goes right after this one (or
                # when it is due, if later): dead in the heap, pushed again.
                push(due, arrival, data, targets, None)
                h[5] = False
                push(max(due, h[7]), h[2], h[3], h[4], None)
            elif reorder and rng.random() < reorder:
                # Held back until the guest's next frame (or hold_max more).
                held[src] = push(due + hold_max, arrival, data, targets, src, due)
            else:
                push(due, arrival, data, targets, None)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"net-hub: listening on {LOOPBACK}:{hub} for {len(guests)} guests{faults}", flush=True)
    if faulty:
        fault_loop(random.Random(seed), s)
    # No faults: the switch as it always was.
    while True:
        try:
            data, src = s.recvfrom(65536)
        except OSError:
            # A late ICMP error about a guest that is gone.
            continue
        targets = route(data, src)
        if targets is None:
            continue
        for t in targets:
            try:
                s.sendto(data, t)
            except OSError:
                # A guest that is gone (killed on purpose): its port is
                # closed; the others go on.
                senderr += 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
