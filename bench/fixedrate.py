"""A small fixed-rate HTTP/1.1 load generator, for "p99 at 50 % of peak load" (wrk2 is not packaged).

Open loop, as wrk2 does it: request i is *due* at ``t0 + i / rate`` whatever happened to
the ones before. ``--connections`` keep-alive connections each take the next due request
when they are free. Latency counts from the due time when the request goes out late
(all connections were busy: the server fell behind, so the wait is the server's), and
from the actual send when the client had to sleep until the due time (so the client's
timer granularity is not charged to the server). Requests are raw bytes prepared by
``bench.run`` (one list, used round-robin). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import time
from typing import Any


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def run(
    host: str, port: int, requests: list[bytes], rate: float, duration: float, connections: int
) -> dict[str, Any]:
    total = int(rate * duration)
    latencies: list[float] = []
    errors = 0
    next_index = 0
    loop = asyncio.get_running_loop()
    t0 = loop.time() + 0.2

    async def connection() -> None:
        nonlocal next_index, errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while True:
                i = next_index
                if i >= total:
                    return
                next_index += 1
                due = t0 + i / rate
                now = loop.time()
                if now < due:
                    await asyncio.sleep(due - now)
                    start = time.perf_counter()
                else:
                    # Late: charge the wait since the due time (perf_counter is precise,
                    # uvloop's loop.time() only has millisecond resolution).
                    start = time.perf_counter() - (now - due)
                writer.write(requests[i % len(requests)])
                status = await _read_response(reader)
                latencies.append(time.perf_counter() - start)
                if status >= 400:
                    errors += 1
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(connections)))
    elapsed = time.perf_counter() - began - 0.2
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0.0

    return {
        "target_rps": rate,
        "requests": len(latencies),
        "achieved_rps": len(latencies) / elapsed if elapsed > 0 else 0.0,
        "errors": errors,
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": latencies[-1] * 1000 if latencies else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate", type=float, required=True, help="requests per second")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--requests-file", required=True, help="JSON list of base64 raw requests")
    args = parser.parse_args()
    with open(args.requests_file) as f:
        requests = [base64.b64decode(r) for r in json.load(f)]
    coro = run(args.host, args.port, requests, args.rate, args.duration, args.connections)
    try:
        import uvloop

        result = uvloop.run(coro)
    except ImportError:
        result = asyncio.run(coro)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
