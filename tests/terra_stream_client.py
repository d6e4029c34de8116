"""A Terra streaming consumer written from Terra's published description
(rt.asyncapi.yaml and rt-bundled.yaml, tryterra/openapi), not from
erglink's code: token from POST /auth/developer, GET /connect, HELLO,
IDENTIFY {type 1, token}, READY, HEARTBEAT every interval, DISPATCH
{op 5, uid, seq, t, d}, REPLAY {after, before} (exclusive), close codes.

Modes (argv[1]):
  stream ADDR SESSIONS   read every dispatch until SESSIONS sessions ended;
                         a second consumer joins late and REPLAYs what it missed;
                         prints one JSON document of what both saw.
  closes ADDR            the close codes for bad frames; prints them as JSON.
  stuck ADDR SESSIONS    one consumer that never reads, one that does, and
                         the server's /live/stats until SESSIONS sessions ended.

Credentials: dev id and key from ERGLINK_TEST_DEV_ID and ERGLINK_TEST_API_KEY.
Uses the `websockets` package (sync client) and the standard library only.
"""

import base64
import json
import os
import socket
import sys
import threading
import time
import urllib.error
import urllib.request

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

DEV_ID = os.environ.get("ERGLINK_TEST_DEV_ID", "")
API_KEY = os.environ.get("ERGLINK_TEST_API_KEY", "")


def post_token(addr, headers=None):
    """POST /auth/developer -> (status, body)."""
    if headers is None:
        headers = {"dev-id": DEV_ID, "x-api-key": API_KEY}
    req = urllib.request.Request(f"http://{addr}/auth/developer", data=b"", method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, None


def token(addr):
    status, body = post_token(addr)
    assert status == 200, status
    return body["token"]


class Consumer:
    """One identified consumer: heartbeats on time, keeps every DISPATCH."""

    def __init__(self, addr, tok):
        self.ws = connect(f"ws://{addr}/connect", open_timeout=10, max_size=2**22)
        hello = json.loads(self.ws.recv(timeout=10))
        assert hello["op"] == 2, hello
        self.interval = hello["d"]["heartbeat_interval"] / 1000.0
        self.ws.send(json.dumps({"op": 3, "d": {"type": 1, "token": tok}}))
        self.ready = None
        self.dispatches = []
        self.acks = 0
        self.heartbeats = 0
        self.last_beat = time.monotonic()
        self.closed = None
        while self.ready is None:
            self._one(10)

    def beat_if_due(self):
        # Half the interval: well inside the 1.5x deadline.
        if time.monotonic() - self.last_beat >= self.interval / 2:
            self.ws.send(json.dumps({"op": 0}))
            self.heartbeats += 1
            self.last_beat = time.monotonic()

    def _one(self, timeout):
        try:
            m = json.loads(self.ws.recv(timeout=timeout))
        except TimeoutError:
            return None
        if m["op"] == 4:
            self.ready = m
        elif m["op"] == 1:
            self.acks += 1
        elif m["op"] == 5:
            for k in ("uid", "seq", "t", "d"):
                assert k in m, m
            self.dispatches.append(m)
        return m

    def poll(self, seconds):
        """Reads for up to `seconds`, heartbeating; False once closed."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                self.beat_if_due()
                self._one(min(self.interval / 4, 0.25))
            except ConnectionClosed as e:
                self.closed = e.rcvd.code if e.rcvd else None
                return False
        return True

    def ended(self):
        return sum(1 for d in self.dispatches if d["t"] == "SESSION_END")


def stream(addr, sessions):
    first = Consumer(addr, token(addr))
    out = {"hello_interval_s": first.interval, "ready": first.ready}
    # A token is single use.
    out["close_on_reused_token"] = close_code_after(addr, [{"op": 3, "d": {"type": 1, "token": "__REUSE__"}}])
    late = None
    late_first_live = None
    while first.ended() < sessions and first.poll(0.2):
        strokes = sum(1 for d in first.dispatches if d["t"] == "STROKE")
        if late is None and strokes >= 6:
            # A consumer that joins late: it asks for what it missed.
            late = Consumer(addr, token(addr))
        if late is not None:
            late.poll(0.2)
            live = [d["seq"] for d in late.dispatches]
            if late_first_live is None and live:
                late_first_live = live[0]
                late.ws.send(json.dumps({"op": 7, "d": {"after": 0, "before": late_first_live}}))
    if late is not None:
        # The late consumer reads in short turns and falls behind; it reads
        # on until it too has seen every session end.
        patience = time.monotonic() + 30
        while late.ended() < sessions and time.monotonic() < patience and late.poll(0.2):
            pass
        late.poll(0.5)
        # A consumer that fell too far behind lost dispatches (a jump in
        # seq), as the protocol allows: REPLAY fills each one it missed.
        out["late_gaps_replayed"] = 0
        for _ in range(3 if late.closed is None else 0):
            have = {d["seq"] for d in late.dispatches}
            missing = sorted({d["seq"] for d in first.dispatches} - have)
            if not missing:
                break
            out["late_gaps_replayed"] += len(missing)
            try:
                for m in missing:
                    late.ws.send(json.dumps({"op": 7, "d": {"after": m - 1, "before": m + 1}}))
            except ConnectionClosed:
                break
            if not late.poll(1.0):
                break
    out["first"] = first.dispatches
    out["acks"] = first.acks
    out["heartbeats"] = first.heartbeats
    out["late_first_live"] = late_first_live
    out["late"] = late.dispatches if late else []
    for c in (first, late):
        if c is not None:
            try:
                c.ws.close()
            except Exception:
                pass
    print(json.dumps(out))


def close_code_after(addr, frames, wait=15.0, raw=None, tok=None):
    """Sends `frames` after HELLO, then reads until the server closes; its code."""
    with connect(f"ws://{addr}/connect", open_timeout=10) as ws:
        json.loads(ws.recv(timeout=10))
        for f in frames:
            if f == {"op": 3, "d": {"type": 1, "token": "__REUSE__"}}:
                used = tok or token(addr)
                ws.send(json.dumps({"op": 3, "d": {"type": 1, "token": used}}))
                ws.recv(timeout=10)  # READY on the first use
                ws.close()
                return close_code_after(addr, [{"op": 3, "d": {"type": 1, "token": used}}])
            ws.send(f if isinstance(f, str) else json.dumps(f))
        if raw is not None:
            ws.send(raw)
        end = time.monotonic() + wait
        try:
            while time.monotonic() < end:
                ws.recv(timeout=end - time.monotonic())
        except ConnectionClosed as e:
            return e.rcvd.code if e.rcvd else None
        except TimeoutError:
            return "timeout"
    return "open"


def closes(addr):
    results = {}

    def run(name, *a, **k):
        results[name] = close_code_after(addr, *a, **k)

    good = lambda: {"op": 3, "d": {"type": 1, "token": token(addr)}}
    checks = [
        ("no_identify", [], 15.0),
        ("producer", [{"op": 3, "d": {"type": 0, "token": token(addr)}}], 15.0),
        ("bad_token", [{"op": 3, "d": {"type": 1, "token": "not-a-token"}}], 15.0),
        ("second_identify", [good(), good()], 15.0),
        ("missed_heartbeat", [good()], 15.0),
        ("malformed", ["{not json"], 15.0),
        ("unknown_op", [good(), {"op": 42}], 15.0),
        ("submit_on_consumer", [good(), {"op": 6, "t": "heart_rate", "d": {}}], 15.0),
        ("replay_bad_payload", [good(), {"op": 7, "d": {"before": "soon"}}], 15.0),
    ]
    threads = [threading.Thread(target=run, args=(n, f, w)) for n, f, w in checks]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results["seconds"] = round(time.monotonic() - t0, 2)
    status, _ = post_token(addr, {})
    results["token_without_credentials"] = status
    status, _ = post_token(addr, {"dev-id": DEV_ID, "x-api-key": API_KEY + "x"})
    results["token_with_a_wrong_key"] = status
    print(json.dumps(results))


def stats(addr):
    auth = base64.b64encode(f"{DEV_ID}:{API_KEY}".encode()).decode()
    req = urllib.request.Request(f"http://{addr}/live/stats", headers={"Authorization": f"Basic {auth}"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


def masked_text_frame(text):
    """One client text frame (RFC 6455 5.2: FIN, opcode 1, masked)."""
    payload = text.encode()
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big"))
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def stuck(addr, sessions):
    # A consumer that never reads: the upgrade and IDENTIFY by hand on a
    # socket with a small receive buffer, then not one recv() more.
    host, port = addr.rsplit(":", 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /connect HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    sock.sendall(masked_text_frame(json.dumps({"op": 3, "d": {"type": 1, "token": token(addr)}})))
    # From here on it reads nothing at all.
    reader = Consumer(addr, token(addr))
    samples = []
    last = time.monotonic()
    asked = False
    while reader.ended() < sessions and reader.poll(0.2):
        if not asked and sum(1 for d in reader.dispatches if d["t"] == "STROKE") >= 3 * sessions:
            # It asks for everything kept, many times over, and reads none
            # of it: far more than the sockets' buffers hold.
            asked = True
            for _ in range(60):
                sock.sendall(masked_text_frame(json.dumps({"op": 7, "d": {"after": 0, "before": 2**53}})))
        if time.monotonic() - last >= 1.0:
            last = time.monotonic()
            try:
                samples.append(stats(addr))
            except Exception as e:
                samples.append({"error": str(e)})
    seqs = [d["seq"] for d in reader.dispatches]
    print(json.dumps({
        "stats": samples,
        "reader_seqs_increasing": all(a < b for a, b in zip(seqs, seqs[1:])),
        "reader_dispatches": len(seqs),
        "reader_strokes": sum(1 for d in reader.dispatches if d["t"] == "STROKE"),
        "reader_ended": reader.ended(),
    }))
    sock.close()


if __name__ == "__main__":
    mode, addr = sys.argv[1], sys.argv[2]
    if mode == "stream":
        stream(addr, int(sys.argv[3]))
    elif mode == "closes":
        closes(addr)
    elif mode == "stuck":
        stuck(addr, int(sys.argv[3]))
    else:
        sys.exit(f"unknown mode {mode}")
