"""The KPI card of PRODUCT.md ("Guidance on the KPI pages"): definition, formula,
interpretation, live risk warnings, diagnostic questions with the figures that answer them,
and improvement levers. Each KPI builds its card from figures it has already computed; the
card itself runs no query."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Warning:
    text: str
    level: str = "warning"  # a Bootstrap alert colour: warning, danger, info
    url: str = ""


@dataclass(frozen=True)
class Question:
    question: str
    answer: str
    items: tuple = ()  # (label, figure, url) rows that answer it, if any


@dataclass(frozen=True)
class KpiCard:
    title: str
    definition: str
    formula: str
    interpretation: tuple  # (band or None, text) rows
    warnings: tuple[Warning, ...] = field(default_factory=tuple)
    questions: tuple[Question, ...] = field(default_factory=tuple)
    levers: tuple[str, ...] = field(default_factory=tuple)
    cadence: str = ""
