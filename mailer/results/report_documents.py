"""The report as data: CSV rows and a JSON document (README, "Did it work?"), and the money
and rate wording the table shares with them. Pure: the command line writes them out through
`files` (every cell cleaned of control characters and formula-safe)."""

from __future__ import annotations

import json
from typing import Any

from mailer.files import clean_text
from mailer.results.report import Funnel, Report

CSV_HEADER = (
    "group",
    "calls",
    "sent",
    "delivered",
    "second_calls",
    "responses",
    "orders",
    "revenue",
    "cost",
    "cost_per_response",
    "return_on_spend",
    "response_rate",
    "note",
)


def money(cents: int | None) -> str:
    """$1,234.50; '' for no figure."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) / 100:,.2f}"


def ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}x"


def percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def delivered(funnel: Funnel) -> str:
    """The cards a provider reported delivered; '' when no card of the group is tracked."""
    return str(funnel.delivered) if funnel.tracked else ""


def csv_rows(report: Report) -> list[list[str]]:
    """One row per group, then the total and the responses credited to no card. Amounts in
    dollars with two decimals, rates as fractions, so a spreadsheet can sum them."""
    rows = [_csv_row(funnel) for funnel in (*report.groups, report.total)]
    if report.not_credited.responses:
        rows.append(_csv_row(report.not_credited))
    return rows


def _csv_row(f: Funnel) -> list[str]:
    def dollars(cents: int | None) -> str:
        return "" if cents is None else f"{cents / 100:.2f}"

    return [
        f.group,
        str(f.calls),
        str(f.sent),
        delivered(f),
        str(f.second_calls),
        str(f.responses),
        str(f.orders),
        dollars(f.revenue_cents),
        dollars(f.cost_cents),
        dollars(f.cost_per_response),
        "" if f.return_on_spend is None else f"{f.return_on_spend:.2f}",
        "" if f.rate is None else f"{f.rate:.4f}",
        f.evidence,
    ]


def report_json(report: Report) -> str:
    """The JSON document `mailer report --format json` prints."""
    document = {
        "by": str(report.by),
        "since": report.period.since.isoformat() if report.period.since else None,
        "until": report.period.until.isoformat() if report.period.until else None,
        "attribution_days": report.window_days,
        "groups": [_funnel(f) for f in report.groups],
        "total": _funnel(report.total),
        "not_credited": {
            "responses": report.not_credited.responses,
            "orders": report.not_credited.orders,
            "revenue_cents": report.not_credited.revenue_cents,
        },
        "weeks": [{"week": monday.isoformat(), "responses": n} for monday, n in report.weeks],
        "experiment": [
            {
                "a": c.a,
                "b": c.b,
                "a_responded": c.k_a,
                "a_n": c.n_a,
                "b_responded": c.k_b,
                "b_n": c.n_b,
                "difference_points": round(c.difference, 2),
                "interval_points": [round(c.low, 2), round(c.high, 2)],
                "real": c.real,
                "verdict": c.verdict,
            }
            for c in report.comparisons
        ],
    }
    return json.dumps(_cleaned(document), indent=2, ensure_ascii=False) + "\n"


def _funnel(f: Funnel) -> dict[str, Any]:
    return {
        "group": f.group,
        "calls": f.calls,
        "sent": f.sent,
        "delivered": f.delivered if f.tracked else None,
        "second_calls": f.second_calls,
        "responses": f.responses,
        "orders": f.orders,
        "revenue_cents": f.revenue_cents,
        "cost_cents": f.cost_cents,
        "cost_per_response_cents": f.cost_per_response,
        "return_on_spend": None if f.return_on_spend is None else round(f.return_on_spend, 4),
        "responded": f.responders,
        "n": f.units,
        "response_rate": None if f.rate is None else round(f.rate, 4),
        "enough_data": not f.evidence,
        "note": f.evidence,
    }


def _cleaned(value: Any) -> Any:
    """Every string of the document free of control characters (a group is a file name or a
    template name someone typed)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    if isinstance(value, dict):
        return {k: _cleaned(v) for k, v in value.items()}
    return value
