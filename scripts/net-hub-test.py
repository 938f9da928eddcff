#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host test of scripts/net-hub.py with three fake guests on loopback.

Checks, without faults: a broadcast reaches every other guest and not the
sender; once a MAC was seen, a frame for it goes to its guest only; a
frame from a port that is not a configured guest is dropped; a burst of
unicast frames arrives whole and in order; the summary line on stderr
counts them ("net-hub: N frames, M dropped, ...").  With faults (issue 20):
--loss 0.5 with a fixed seed lets through about half of the frames, the
same set for the same seed and another set for another seed; --delay 50
holds each frame at least 50 ms; --jitter reorders frames and loses none;
--reorder moves held frames after later ones.  Exit status 0 if all hold.
"""

import os
import re
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LO = "127.0.0.1"
MAC = [bytes([0x52, 0x54, 0, 0xA1, 0, i]) for i in range(3)]
BCAST = b"\xff" * 6
SUMMARY = re.compile(
    r"^net-hub: (\d+) frames, (\d+) dropped, (\d+) lost, (\d+) delayed, (\d+) reordered"
    r" \((\d+) strangers, (\d+) send errors, (\d+) pending\)"
)


def frame(dst, src, payload=b"payload"):
    return bytes(dst) + bytes(src) + b"\x08\x00" + payload


class Hub:
    """A net-hub.py with OPTIONS and three fake guests bound on loopback."""

    def __init__(self, *options):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((LO, 0))
        self.port = s.getsockname()[1]
        s.close()
        self.guests = []
        for _ in range(3):
            g = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            g.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            g.bind((LO, 0))
            g.settimeout(0.5)
            self.guests.append(g)
        ports = [str(g.getsockname()[1]) for g in self.guests]
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "net-hub.py"), *options, str(self.port)] + ports,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.banner = self.proc.stdout.readline()
        self.summary = None

    def send(self, i, data):
        self.guests[i].sendto(data, (LO, self.port))

    def received(self, i):
        try:
            return self.guests[i].recv(2048)
        except socket.timeout:
            return None

    def stop(self):
        """Stop the hub; its summary as a tuple of ints (None if unparseable)."""
        if self.proc.poll() is None:
            self.proc.terminate()
        _, err = self.proc.communicate(timeout=5)
        for g in self.guests:
            g.close()
        self.summary_line = err.strip().splitlines()[-1] if err.strip() else ""
        m = SUMMARY.match(self.summary_line)
        self.summary = tuple(int(x) for x in m.groups()) if m else None
        # The old format's users: "net-hub: N frames, M dropped" still leads.
        if not re.match(r"^net-hub: \d+ frames, \d+ dropped", self.summary_line):
            self.summary = None
        return self.summary


class Collector(threading.Thread):
    """Reads guest socket SOCK until it has EXPECT frames or QUIET seconds
    pass without one: (monotonic time, payload) pairs in self.got."""

    def __init__(self, sock, quiet=0.5, expect=None):
        super().__init__(daemon=True)
        self.sock, self.quiet, self.expect, self.got = sock, quiet, expect, []
        sock.settimeout(0.05)
        self.start()

    def run(self):
        last = time.monotonic()
        while time.monotonic() - last < self.quiet and len(self.got) != self.expect:
            try:
                data = self.sock.recv(2048)
            except socket.timeout:
                continue
            last = time.monotonic()
            self.got.append((last, data[14:]))


def numbered(hub, count, sender=0, dst=BCAST, gap=0.0):
    """Send COUNT frames numbered 0.. from guest SENDER; their send times."""
    sent = []
    for k in range(count):
        sent.append(time.monotonic())
        hub.send(sender, frame(dst, MAC[sender], b"%06d" % k))
        if gap:
            time.sleep(gap)
    return sent


def numbers(got):
    return [int(p[:6]) for _, p in got]


def inversions(seq):
    """How many frames arrive after a frame sent later than them."""
    top, late = -1, 0
    for x in seq:
        if x < top:
            late += 1
        top = max(top, x)
    return late


def overtakers(seq):
    """How many frames arrive before a frame sent earlier than them: the
    hub's "reordered" count, when one guest gets all frames of one."""
    low, ahead = None, 0
    for x in reversed(seq):
        if low is not None and low < x:
            ahead += 1
        low = x if low is None else min(low, x)
    return ahead


def test_plain(failures):
    hub = Hub()
    try:
        if "listening" not in hub.banner:
            failures.append("hub did not start")
            return
        if "faults" in hub.banner or "seed" in hub.banner:
            failures.append(f"no-fault banner names faults: {hub.banner.strip()}")
        # Broadcast from guest 0: guests 1 and 2 get it, guest 0 does not.
        hub.send(0, frame(BCAST, MAC[0]))
        got = [hub.received(i) for i in range(3)]
        if got[1] is None or got[2] is None:
            failures.append("broadcast not flooded to the other guests")
        if got[0] is not None:
            failures.append("broadcast sent back to its sender")
        # Guest 1 answers guest 0's MAC (learnt): only guest 0 gets it.
        hub.send(1, frame(MAC[0], MAC[1]))
        got = [hub.received(i) for i in range(3)]
        if got[0] is None:
            failures.append("unicast to a learnt MAC not delivered")
        if got[2] is not None:
            failures.append("unicast to a learnt MAC flooded")
        # A stranger's frame is dropped.
        stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        stranger.bind((LO, 0))
        stranger.sendto(frame(BCAST, [2, 0, 0, 0, 0, 9]), (LO, hub.port))
        stranger.close()
        time.sleep(0.1)
        for i in range(3):
            hub.guests[i].settimeout(0.1)
        got = [hub.received(i) for i in range(3)]
        if any(x is not None for x in got):
            failures.append("a frame from an unknown port was forwarded")
        # A burst of 300 unicast frames (guest 1 to guest 0): all, in order.
        c = Collector(hub.guests[0], expect=300)
        numbered(hub, 300, sender=1, dst=MAC[0])
        c.join()
        if numbers(c.got) != list(range(300)):
            failures.append(f"no faults: {len(c.got)} of 300 frames, {inversions(numbers(c.got))} out of order")
    finally:
        counts = hub.stop()
    if counts is None:
        failures.append(f"no-fault summary line not parseable: {hub.summary_line!r}")
    elif counts != (302, 1, 0, 0, 0, 1, 0, 0):
        failures.append(f"no-fault summary counts {counts}, want 302 frames, 1 dropped (a stranger), no faults")


def loss_run(seed, count=400):
    """COUNT broadcasts from guest 0 through --loss 0.5 --seed SEED: the
    numbers guest 1 got, the hub's banner and its summary."""
    hub = Hub("--loss", "0.5", "--seed", str(seed))
    try:
        c = Collector(hub.guests[1])
        numbered(hub, count)
        c.join()
    finally:
        counts = hub.stop()
    return numbers(c.got), hub.banner, counts


def test_loss(failures):
    n = 400
    a, banner, counts = loss_run(42, n)
    if "seed 42" not in banner or "loss 0.5" not in banner:
        failures.append(f"--loss banner does not name the loss and the seed: {banner.strip()}")
    # Binomial(400, 0.5): sd 10; 140..260 is 6 sd either way.
    if not 140 <= len(a) <= 260:
        failures.append(f"--loss 0.5: {len(a)} of {n} frames arrived, want about half (140..260)")
    if a != sorted(set(a)):
        failures.append("--loss alone reordered or duplicated frames")
    if counts is None:
        failures.append("--loss summary line not parseable")
    elif counts[0] != n or counts[2] != n - len(a) or counts[3] or counts[4]:
        failures.append(f"--loss summary {counts}: want {n} frames, {n - len(a)} lost, none delayed or reordered")
    b, _, _ = loss_run(42, n)
    if a != b:
        failures.append(f"--seed 42 twice: different frames lost ({len(a)} vs {len(b)} arrived)")
    c, _, _ = loss_run(43, n)
    if a == c:
        failures.append("--seed 42 and --seed 43 lost the same frames")


def test_delay(failures):
    hub = Hub("--delay", "50", "--seed", "1")
    try:
        col = Collector(hub.guests[1], expect=20)
        sent = numbered(hub, 20, gap=0.005)
        col.join()
    finally:
        counts = hub.stop()
    got = numbers(col.got)
    if sorted(got) != list(range(20)):
        failures.append(f"--delay 50: {len(got)} of 20 frames arrived")
    early = [k for (t, _), k in zip(col.got, got) if t - sent[k] < 0.050]
    if early:
        latency = min(t - sent[k] for (t, _), k in zip(col.got, got))
        failures.append(f"--delay 50: {len(early)} frames arrived early (least {latency * 1000:.1f} ms)")
    if inversions(got):
        failures.append("--delay without jitter reordered frames")
    if counts is None or counts[0] != 20 or counts[3] != 20 or counts[2] or counts[4] or counts[7]:
        failures.append(f"--delay 50 summary {counts}: want 20 frames, 20 delayed, none lost, reordered or pending")


def test_jitter(failures):
    hub = Hub("--delay", "20", "--jitter", "20", "--seed", "5")
    n = 200
    try:
        col = Collector(hub.guests[1], expect=n)
        numbered(hub, n, gap=0.001)
        col.join()
    finally:
        counts = hub.stop()
    got = numbers(col.got)
    if sorted(got) != list(range(n)):
        failures.append(f"--jitter 20: {len(set(got))} of {n} frames arrived (none may be lost)")
    late = inversions(got)
    if late == 0:
        failures.append(f"--jitter 20: no frame of {n} reordered")
    if counts is None or counts[0] != n or counts[2] or counts[4] != overtakers(got) or counts[7]:
        failures.append(f"--jitter summary {counts}: want {n} frames, none lost or pending,"
                        f" {overtakers(got)} reordered (as guest 1 saw them)")


def test_reorder(failures):
    hub = Hub("--reorder", "0.3", "--seed", "9")
    n = 100
    try:
        col = Collector(hub.guests[1], expect=n)
        numbered(hub, n, gap=0.001)
        col.join()
    finally:
        counts = hub.stop()
    got = numbers(col.got)
    if sorted(got) != list(range(n)):
        failures.append(f"--reorder 0.3: {len(set(got))} of {n} frames arrived (none may be lost)")
    late = inversions(got)
    if not 10 <= late <= 50:
        failures.append(f"--reorder 0.3: {late} of {n} frames arrived after a later one, want about 30")
    if counts is None or counts[4] != overtakers(got) or counts[2] or counts[7]:
        failures.append(f"--reorder summary {counts}: want none lost or pending,"
                        f" {overtakers(got)} reordered (as guest 1 saw them)")


def main():
    failures = []
    for test in (test_plain, test_loss, test_delay, test_jitter, test_reorder):
        try:
            test(failures)
        except Exception as e:  # a crash is a failure, the others still run
            failures.append(f"{test.__name__}: {type(e).__name__}: {e}")
    for f in failures:
        print("net-hub:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
