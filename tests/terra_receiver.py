#!/usr/bin/env python3
"""A Terra webhook receiver written from Terra's documentation alone.

Standard library only. It does what an integrator's receiver does, as
Terra's docs and SDKs describe it (erglink's reference, section 4):

* verifies `terra-signature` (`t=<unix s>,v1=<hex>`) against the raw body
  before parsing it: split on ',', take `t` and every `v1`, HMAC-SHA256
  keyed with the secret's UTF-8 bytes over "<t>." + body, constant-time
  compare, |now - t| <= 300 s (the SDKs' verify_terra_webhook_signature);
  `X-Terra-Signature`, when present, must verify too;
* checks the ActivityEvent envelope: type "activity", a version string, a
  user with user_id and provider, a non-empty data list of activities with
  the required metadata;
* drops repeats by `X-Terra-Trace-Id` (deliveries are at least once) and
  upserts activities by summary_id, keeping a copy only if its
  `X-Terra-Ordering-Timestamp` is not older than the stored one.

It answers 200 to accepted deliveries and repeats, 401 to a bad signature
and 400 to a bad envelope, and appends one JSON line per request to the log.

Usage: TERRA_WEBHOOK_SECRET=... terra_receiver.py LOG_FILE
Prints "PORT <n>" once listening on 127.0.0.1.
"""

import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_S = 300
SECRET = os.environ["TERRA_WEBHOOK_SECRET"]
LOG_PATH = sys.argv[1]
LOCK = threading.Lock()
SEEN_TRACES = set()
ACTIVITIES = {}  # summary_id -> ordering timestamp of the copy kept


def verify_terra_signature(payload: bytes, header: str, secret: str) -> bool:
    timestamp = None
    candidates = []
    for pair in header.split(","):
        key, sep, value = pair.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            timestamp = value
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    try:
        t = int(timestamp)
    except ValueError:
        return False
    if abs(time.time() - t) > TOLERANCE_S:
        return False
    signed = timestamp.encode("utf-8") + b"." + payload
    expected = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, c) for c in candidates)


def envelope_problem(body):
    if not isinstance(body, dict):
        return "the body is not an object"
    if body.get("type") != "activity":
        return "type is not 'activity'"
    if not isinstance(body.get("version"), str):
        return "no version"
    user = body.get("user")
    if not isinstance(user, dict):
        return "no user"
    for key in ("user_id", "provider"):
        if not isinstance(user.get(key), str) or not user[key]:
            return "user.%s missing" % key
    data = body.get("data")
    if not isinstance(data, list) or not data:
        return "no data"
    for activity in data:
        meta = activity.get("metadata") if isinstance(activity, dict) else None
        if not isinstance(meta, dict):
            return "an activity has no metadata"
        for key in ("summary_id", "start_time", "end_time"):
            if not isinstance(meta.get(key), str):
                return "metadata.%s missing" % key
        for key in ("type", "upload_type"):
            if not isinstance(meta.get(key), int):
                return "metadata.%s is not an integer" % key
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, record):
        record["status"] = status
        with LOCK:
            with open(LOG_PATH, "a", encoding="utf-8") as log:
                log.write(json.dumps(record) + "\n")
        payload = json.dumps({"ok": status == 200}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        trace = self.headers.get("X-Terra-Trace-Id")
        record = {"trace_id": trace, "path": self.path}
        # Header names are case-insensitive here, as Terra's docs ask.
        signature = self.headers.get("terra-signature")
        if signature is None or not verify_terra_signature(raw, signature, SECRET):
            return self.answer(401, dict(record, verdict="rejected", reason="signature"))
        x_signature = self.headers.get("X-Terra-Signature")
        if x_signature is not None and not verify_terra_signature(raw, x_signature, SECRET):
            return self.answer(401, dict(record, verdict="rejected", reason="x-signature"))
        if self.headers.get_content_type() != "application/json":
            return self.answer(400, dict(record, verdict="rejected", reason="content type"))
        try:
            body = json.loads(raw)
        except ValueError:
            return self.answer(400, dict(record, verdict="rejected", reason="not JSON"))
        problem = envelope_problem(body)
        if problem:
            return self.answer(400, dict(record, verdict="rejected", reason=problem))
        try:
            ordering = int(self.headers.get("X-Terra-Ordering-Timestamp", "0"))
        except ValueError:
            return self.answer(400, dict(record, verdict="rejected", reason="ordering"))
        ids = [a["metadata"]["summary_id"] for a in body["data"]]
        record.update(
            summary_ids=ids,
            user_id=body["user"]["user_id"],
            provider=body["user"]["provider"],
            reference_id=body["user"].get("reference_id"),
            ordering=ordering,
        )
        with LOCK:
            if trace is not None and trace in SEEN_TRACES:
                repeat = True
            else:
                repeat = False
                if trace is not None:
                    SEEN_TRACES.add(trace)
                for summary_id in ids:
                    if ordering >= ACTIVITIES.get(summary_id, -1):
                        ACTIVITIES[summary_id] = ordering
        self.answer(200, dict(record, verdict="duplicate" if repeat else "accepted"))


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
