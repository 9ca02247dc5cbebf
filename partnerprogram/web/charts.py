"""Chart data for static/js/charts.js, built from KPI figures (no query here)."""

from django.conf import settings


def chart(kind, labels, datasets, *, suffix="", y_max=None, references=()):
    """A chart description: `kind` is "line" or "bar"; `datasets` are (label, values);
    `references` are (label, value) horizontal lines such as band thresholds. The `table`
    rows repeat the numbers for the accessible table under the chart."""
    values = [[None if v is None else float(v) for v in data] for _, data in datasets]
    return {
        "type": kind,
        "labels": list(labels),
        "suffix": suffix,
        "y_max": y_max,
        "datasets": [
            {"label": label, "data": data}
            for (label, _), data in zip(datasets, values, strict=True)
        ]
        + [
            {"label": label, "data": [value] * len(labels), "reference": True}
            for label, value in references
        ],
        "table": [[label, *(data[index] for data in values)] for index, label in enumerate(labels)],
    }


def band_references():
    return (
        (f"Exemplary ({settings.KPI_EXEMPLARY_PERCENT}%)", settings.KPI_EXEMPLARY_PERCENT),
        (
            f"Good standing ({settings.KPI_GOOD_STANDING_PERCENT}%)",
            settings.KPI_GOOD_STANDING_PERCENT,
        ),
    )
