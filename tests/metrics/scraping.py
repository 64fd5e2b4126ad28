"""Reading a metrics endpoint, and the per-process files behind it, in tests."""

import re
from dataclasses import dataclass
from pathlib import Path

import httpx
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


@dataclass
class Scrape:
    text: str
    samples: list[tuple[str, dict[str, str], float]]

    def total(self, name: str, **labels: str) -> float:
        """The sum of the samples called ``name`` whose labels include ``labels``."""
        return sum(
            value
            for sample_name, sample_labels, value in self.samples
            if sample_name == name and labels.items() <= sample_labels.items()
        )

    def label_values(self, label: str) -> set[str]:
        return {labels[label] for _name, labels, _value in self.samples if label in labels}


def scrape(url: str) -> Scrape:
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    return parse(response.text)


def parse(text: str) -> Scrape:
    samples = [
        (sample.name, dict(sample.labels), sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    ]
    return Scrape(text, samples)


def worker_files(directory: Path) -> dict[int, Path]:
    """Each process's counter file in a PROMETHEUS_MULTIPROC_DIR, by process id."""
    return {int(path.stem.rsplit("_", 1)[1]): path for path in directory.glob("counter_*.db")}


def total_in_file(path: Path, name: str, **labels: str) -> float:
    """What one process's file alone says, summed as ``Scrape.total`` does."""
    return sum(
        sample.value
        for metric in MultiProcessCollector.merge([str(path)])
        for sample in metric.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )
