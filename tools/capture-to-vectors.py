#!/usr/bin/env python3
"""Convert a Bluetooth capture in JSON lines (captures/pm5-ble-row100m.jsonl) into
one line per CSAFE frame: `<t_ms> <tx|rx> <hex>`, reassembling the PM's replies
from their 20-byte notifications exactly as the erglink decoder does.

Usage: tools/capture-to-vectors.py captures/pm5-ble-row100m.jsonl > frames.txt

Standard library only. Framing facts: shared/reference/csafe.md §2.
"""
import json
import sys

HOST_TO_PM = "ce060021"
PM_TO_HOST = "ce060022"


def frames(chunks):
    """Yield (t_ms, wire bytes) for each frame in a stream of (t_ms, bytes) chunks."""
    current = None
    for t, data in chunks:
        for b in data:
            if b in (0xF0, 0xF1):
                current = bytearray([b])
            elif current is not None:
                current.append(b)
                if b == 0xF2:
                    yield t, bytes(current)
                    current = None


def main(path):
    rx, tx = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if "hex" not in rec:
                continue
            data = bytes.fromhex(rec["hex"])
            if rec.get("char") == PM_TO_HOST and rec["event"] == "notificationReceived":
                rx.append((rec["t_ms"], data))
            elif rec.get("char") == HOST_TO_PM and rec["event"] == "writeCharacteristic":
                tx.append((rec["t_ms"], data))
    out = [(t, "tx", w) for t, w in frames(tx)] + [(t, "rx", w) for t, w in frames(rx)]
    out.sort(key=lambda x: (x[0], x[1] == "rx"))
    print(f"# CSAFE frames reassembled from {path}")
    for t, d, w in out:
        print(f"{t} {d} {w.hex(' ').upper()}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "captures/pm5-ble-row100m.jsonl")
