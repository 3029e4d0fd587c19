"""Reading a /metrics page: the value of one sample, by name and labels."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    return [
        (sample.name, dict(sample.labels), float(sample.value))
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    ]


def value(text: str, name: str, **labels: str) -> float:
    """The sum of the samples called ``name`` whose labels include ``labels``; 0 if none."""
    return sum(
        found
        for sample_name, sample_labels, found in samples(text)
        if sample_name == name and labels.items() <= sample_labels.items()
    )
