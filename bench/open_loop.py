"""A fixed-rate HTTP/1.1 load generator: latency as a client arriving on schedule sees it.

    python -m bench.open_loop --port 18401 --rate 200 --seconds 10 --method GET \
        --path /api/v1/tasks/{id}/ --ids ids.txt --header "Authorization: Bearer T"

wrk keeps a fixed number of requests in flight: when the server stalls, wrk
stops sending, and the stall shows up in one slow request instead of in the
hundreds that a real client population would have sent meanwhile. Here
request i is due at start + i / rate whatever happened before it; its
latency runs from that due time to the last byte of its answer, so time
spent queued behind a slow answer (no connection free yet) counts.

Over --connections keep-alive connections to 127.0.0.1 (asyncio streams),
each takes the next due request when it is free, waits for its due time if
early, sends it and reads the answer (Content-Length or chunked). At most
rate x seconds requests are sent; those still unanswered --drain seconds
after the last due time count as timeouts. ``{id}`` in the path or body and
``{action}`` in the body are filled as bench/wrk/request.lua fills them
(bench.targets.fill), so writes spread over the same ids as wrk's.

Prints one JSON object: requests due, answered, statuses, errors, the
achieved rate, latency percentiles in ms, how late this process woke for
the requests it had to wait for (p99 and max: a machine that stalls its
processes shows here, not only in the server's answers), and the CPU this
process used per request, which has to stay small beside the servers on a
2-core machine.
"""

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path

from bench.targets import fill, has_placeholders

HOST = "127.0.0.1"


def request_bytes(method: str, path: str, headers: list[str], body: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", *headers]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body.encode())}"]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """The status of one answer, read to its end, and whether the server keeps the connection."""
    head = (await reader.readuntil(b"\r\n\r\n")).lower()
    status = int(head[9:12])
    keep = b"connection: close" not in head
    marker = head.find(b"content-length:")
    if marker >= 0:
        await reader.readexactly(int(head[marker + 15 : head.index(b"\r\n", marker)]))
    elif b"transfer-encoding: chunked" in head:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, keep


class Run:
    def __init__(self, args):
        self.args = args
        self.ids = [line for line in Path(args.ids).read_text().split() if line] if args.ids else []
        self.due = int(args.rate * args.seconds)
        self.taken = 0
        self.latencies: list[float] = []
        # How late this process woke for requests it was early for: time the machine (or this
        # process's own event loop) kept it from sending, which counts in those latencies too.
        self.woke_late: list[float] = []
        self.statuses: Counter = Counter()
        self.errors: Counter = Counter()
        self.static = None if has_placeholders(args.path, args.body) else self._request(0)

    def _request(self, index: int) -> bytes:
        path, body = fill(self.args.path, self.args.body, self.ids, index)
        return request_bytes(self.args.method, path, self.args.header, body)

    async def connection(self, start: float, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        reader = writer = None
        while self.taken < self.due:
            index = self.taken
            self.taken += 1
            due_at = start + index / self.args.rate
            if due_at > loop.time():
                await asyncio.sleep(due_at - loop.time())
                self.woke_late.append(max(loop.time() - due_at, 0.0))
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(HOST, self.args.port)
                writer.write(self.static or self._request(index))
                status, keep = await asyncio.wait_for(read_answer(reader), max(deadline - loop.time(), 0.001))
            except TimeoutError:
                self.errors["timeout"] += 1
                break
            except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                self.errors[type(error).__name__] += 1
                writer = _close(writer)
                continue
            self.latencies.append(loop.time() - due_at)
            self.statuses[str(status)] += 1
            if not keep:
                writer = _close(writer)
        _close(writer)

    async def main(self) -> dict:
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.05
        deadline = start + self.args.seconds + self.args.drain
        cpu_before = time.process_time()
        await asyncio.gather(*(self.connection(start, deadline) for _ in range(self.args.connections)))
        elapsed = loop.time() - start
        cpu = time.process_time() - cpu_before
        # Requests never taken by a connection (every one was stuck) are late past the drain too.
        self.errors["timeout"] += self.due - self.taken
        return self.summary(elapsed, cpu)

    def summary(self, elapsed: float, cpu: float) -> dict:
        answered = len(self.latencies)
        ordered = sorted(self.latencies)
        late = sorted(self.woke_late)

        def percentile(share: float, values: list[float] = ordered) -> float:
            return round(values[min(int(share * len(values)), len(values) - 1)] * 1000, 2) if values else 0.0

        return {
            "rate": self.args.rate,
            "seconds": self.args.seconds,
            "connections": self.args.connections,
            "due": self.due,
            "answered": answered,
            "achieved_rps": round(answered / elapsed, 1) if elapsed > 0 else 0.0,
            "statuses": dict(self.statuses),
            "non_2xx": sum(n for code, n in self.statuses.items() if not code.startswith("2")),
            "errors": {kind: count for kind, count in self.errors.items() if count},
            "latency_ms": {
                "p50": percentile(0.50),
                "p90": percentile(0.90),
                "p99": percentile(0.99),
                "max": percentile(1.0),
            },
            "client_woke_late_ms": {"p99": percentile(0.99, late), "max": percentile(1.0, late)},
            "client_cpu_ms_per_request": round(cpu * 1000 / max(answered, 1), 3),
            "client_cpu_s": round(cpu, 3),
        }


def _close(writer):
    if writer is not None:
        writer.close()
    return None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate", type=float, required=True, help="requests per second")
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--path", required=True)
    parser.add_argument("--body", default="")
    parser.add_argument("--ids", default="", help="file of ids, one a line, for {id}")
    parser.add_argument("--header", action="append", default=[], help='"Name: value"; repeatable')
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--drain", type=float, default=10.0, help="seconds to wait for answers after the last"
    )
    args = parser.parse_args()
    if args.rate <= 0 or args.seconds <= 0:
        raise SystemExit("--rate and --seconds must be positive")
    sys.stdout.write(json.dumps(asyncio.run(Run(args).main())) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
