"""What the servers' processes use, from /proc: CPU time around each window, resident memory throughout."""

import contextlib
import os
import threading
import time
from pathlib import Path

from bench.config import MEMORY_SAMPLE_SECONDS

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by these processes (all their threads)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


class MemorySampler(threading.Thread):
    """Samples VmRSS of every server's master and workers until stopped."""

    def __init__(self, servers: dict):
        super().__init__(daemon=True)
        self.servers = servers
        self.samples: list[dict] = []
        self.marker = "boot"
        self.dataset = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        while not self._stop_event.is_set():
            sample = {
                "t": round(time.monotonic() - started, 2),
                "marker": self.marker,
                "dataset": self.dataset,
            }
            for name, server in self.servers.items():
                sample[name] = {str(pid): rss_kib(pid) for pid in server.pids()}
            self.samples.append(sample)
            self._stop_event.wait(MEMORY_SAMPLE_SECONDS)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def summary(self) -> dict:
        """Per server: at boot, at the start of its first measured window, at the end, and the peak."""
        result = {}
        for name in self.servers:
            all_samples = [s for s in self.samples if s.get(name)]
            measured = [s for s in all_samples if s["marker"].startswith("measure:") and name in s["marker"]]
            if not all_samples:
                continue
            first = measured[0] if measured else all_samples[0]
            last = measured[-1] if measured else all_samples[-1]
            totals = [sum(s[name].values()) for s in all_samples]
            per_dataset = {}
            for dataset in sorted({sample["dataset"] for sample in measured}):
                window = [sum(s[name].values()) for s in measured if s["dataset"] == dataset]
                per_dataset[dataset] = {
                    "first_mib": round(window[0] / 1024, 1),
                    "last_mib": round(window[-1] / 1024, 1),
                }
            result[name] = {
                "per_dataset": per_dataset,
                "boot_total_mib": round(totals[0] / 1024, 1),
                "first_measured_total_mib": round(sum(first[name].values()) / 1024, 1),
                "last_measured_total_mib": round(sum(last[name].values()) / 1024, 1),
                "peak_total_mib": round(max(totals) / 1024, 1),
                "processes_first": {pid: round(kib / 1024, 1) for pid, kib in first[name].items()},
                "processes_last": {pid: round(kib / 1024, 1) for pid, kib in last[name].items()},
                "samples": len(all_samples),
            }
        return result
