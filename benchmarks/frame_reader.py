"""Reading the sandbox's output: one 32 MB line without a newline (target: under 1 s).

    .venv/bin/python benchmarks/frame_reader.py [--mb 32] [--runs 5]

A submission can write to the container's stdout (init's fd 1) from a fresh interpreter. The host
reads that log for the signed frame; before issue #11 it appended each chunk to a growing buffer and
split it again, so a 30 MB line took 21 s. This feeds grader.sandbox.container.FrameScanner the
line in the 16 KB pieces docker's log API returns, then a signed frame, and prints the median time
(and the machine). Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import print_machine

from grader.sandbox.container import FRAME_MARK, FrameScanner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=32)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    key = b"k" * 32
    body = base64.b64encode(json.dumps({"junit": "<testsuites/>"}).encode())
    frame = FRAME_MARK + b" " + hmac.new(key, body, hashlib.sha256).hexdigest().encode() + b" " + body + b"\n"
    piece = b"x" * 16384
    pieces = args.mb * 1024 * 1024 // len(piece)
    times = []
    for _ in range(args.runs):
        scanner = FrameScanner(key)
        started = time.perf_counter()
        for _ in range(pieces):
            scanner.feed(piece)
        scanner.feed(b"\n" + frame)
        found, forged = scanner.finish()
        times.append(time.perf_counter() - started)
        assert found == {"junit": "<testsuites/>"} and forged == 0
    print_machine()
    print(f"one {args.mb} MB line, then the frame: median {statistics.median(times):.3f} s over {args.runs} runs "
          f"(target < 1 s)")


if __name__ == "__main__":
    main()
