"""knowledge/vaultra-readiness-score.md must say what the code does: every number is checked."""

import re
from pathlib import Path

import pytest

from vaultra_mcp.core import thresholds as t
from vaultra_mcp.core.corpus import parse_document
from vaultra_mcp.core.method import COMPONENTS

DOC = Path(__file__).resolve().parents[1] / "knowledge" / "vaultra-readiness-score.md"
TEXT = DOC.read_text()


def table_rows(heading: str) -> dict[str, list[str]]:
    section = TEXT.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if (
            len(cells) >= 3
            and not set(cells[0]) <= {"-"}
            and cells[0] not in ("Component", "Score")
        ):
            rows[cells[0]] = cells
    return rows


def money(cents: float) -> str:
    return f"${cents / 100:,.0f}"


def test_the_document_parses_as_a_knowledge_document():
    doc = parse_document(TEXT, str(DOC))
    assert (doc.doc_id, doc.category) == ("vaultra-readiness-score", "readiness-score")


@pytest.mark.parametrize(("key", "label", "scale"), COMPONENTS)
def test_each_component_row_has_the_codes_maximum_and_full_points_threshold(key, label, scale):
    row = table_rows("The nine components and their points")[label]
    assert int(row[1]) == scale.max_points
    top = scale.bands[0].bound
    worded = {"refund_ratio": "category", "failed_payouts": "no failed"}  # not numbers in prose
    expected = worded.get(scale.metric) or (
        money(top) if scale.metric == "annual_volume" else f"{top:g}"
    )
    assert expected in row[2], (label, row[2])


def test_the_points_add_up_to_100():
    rows = table_rows("The nine components and their points")
    assert sum(int(rows[label][1]) for _, label, _ in COMPONENTS) == 100


@pytest.mark.parametrize(
    ("scale", "render"),
    [
        (t.PROCESSING_HISTORY, lambda b: f"{b:g}"),
        (t.REVENUE_SCALE, money),
        (t.DISPUTE_ACTIVITY, lambda b: f"{b:g}%"),
        (t.CUSTOMER_CONCENTRATION, lambda b: f"{b:g}%"),
    ],
)
def test_every_band_boundary_is_stated(scale, render):
    for band in scale.bands:
        assert render(band.bound) in TEXT, render(band.bound)


def test_tiers_caps_and_penalties_match_the_code():
    tiers = table_rows("Tiers and caps")
    by_label = {row[1]: row[0] for row in tiers.values()}
    for tier in t.TIERS:
        assert str(tier.min_score) in by_label[tier.label] or tier.min_score == 0
    assert f"under {t.TIERS[1].min_score}" in by_label[t.TIERS[2].label]
    assert f"capped at {t.SHORT_HISTORY_CAP}" in TEXT
    assert f"under {t.SHORT_HISTORY_MONTHS:g} months" in TEXT
    assert f"under {t.MIN_MONTHS_FOR_SCORE:g} months" in TEXT
    assert t.INSUFFICIENT_TIER.label in TEXT
    assert f"loses {t.LOW_MONTH_PENALTY} points" in TEXT
    assert re.search(rf"top three {t.TOP3_FLAG_PCT:g}% or less", TEXT)
