"""The report as a picture (`mailer report --chart FILE.png|FILE.pdf`): the funnel of the
whole period as bars, and the responses of each week, drawn with ReportLab's own charts.

The picture is a ReportLab `Drawing`, written as a one-page PDF; a PNG is that page
rasterised by pdfium at two pixels per point. (ReportLab's own bitmap renderer needs a
separate backend package; pdfium already draws mailer's previews, so the PNG and the PDF
are the same picture.) The same report always gives the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib.colors import Color, HexColor

from mailer.errors import UsageError
from mailer.files import clean_text, write_bytes_atomic
from mailer.results.report import Funnel, Report

WIDTH, HEIGHT = 720, 400
"""The picture in points; the PNG is twice that in pixels."""
SCALE = 2.0
FUNNEL_INK = HexColor("#2f6f9f")
WEEK_INK = HexColor("#d9822b")
TEXT_INK = HexColor("#333333")
KINDS = (".png", ".pdf")


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


def funnel_bars(total: Funnel) -> list[Bar]:
    """The funnel's stages, top to bottom; "delivered" only when a provider tracks cards."""
    bars = [Bar("calls", total.calls), Bar("cards sent", total.sent)]
    if total.tracked:
        bars.append(Bar("delivered", total.delivered))
    bars += [
        Bar("2nd calls reached", total.second_calls),
        Bar("responses", total.responses),
        Bar("orders", total.orders),
    ]
    return bars


def chart_drawing(report: Report, title: str) -> Drawing:
    """The funnel (left) and the responses per week (right), under `title`."""
    drawing = Drawing(WIDTH, HEIGHT)
    drawing.add(String(24, HEIGHT - 32, clean_text(title, one_line=True), fontSize=16))
    drawing.add(String(24, HEIGHT - 62, "The funnel", fontSize=12, fillColor=TEXT_INK))
    drawing.add(String(390, HEIGHT - 62, "Responses per week", fontSize=12, fillColor=TEXT_INK))
    drawing.add(_funnel_chart(funnel_bars(report.total)))
    drawing.add(_week_chart(report.weeks))
    return drawing


def _funnel_chart(bars: list[Bar]) -> HorizontalBarChart:
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 130, 40, 210, HEIGHT - 120
    chart.data = [[bar.value for bar in bars]]
    chart.categoryAxis.categoryNames = [bar.label for bar in bars]
    chart.categoryAxis.reverseDirection = 1  # the first stage at the top
    chart.categoryAxis.labels.fontSize = 10
    chart.categoryAxis.labels.fillColor = TEXT_INK
    chart.categoryAxis.visibleTicks = 0
    _value_axis(chart, max((bar.value for bar in bars), default=0))
    chart.bars[0].fillColor = FUNNEL_INK
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "%d"
    chart.barLabels.fontSize = 9
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    chart.barLabels.fillColor = TEXT_INK
    chart.barSpacing = 2
    chart.groupSpacing = 6
    return chart


def _week_chart(weeks: tuple[tuple[date, int], ...]) -> VerticalBarChart:
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 410, 60, 280, HEIGHT - 140
    counts = [n for _, n in weeks] or [0]
    chart.data = [counts]
    names = [monday.strftime("%b %d") for monday, _ in weeks] or ["no responses yet"]
    step = max(1, len(names) // 8)  # at most about 8 labels under the bars
    chart.categoryAxis.categoryNames = [n if i % step == 0 else "" for i, n in enumerate(names)]
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.categoryAxis.labels.fillColor = TEXT_INK
    _value_axis(chart, max(counts))
    chart.bars[0].fillColor = WEEK_INK
    chart.bars[0].strokeColor = None
    if len(counts) <= 16:  # a number over each bar while they are wide enough for one
        chart.barLabelFormat = "%d"
        chart.barLabels.fontSize = 8
        chart.barLabels.boxAnchor = "s"
        chart.barLabels.dy = 2
        chart.barLabels.fillColor = TEXT_INK
    return chart


def _value_axis(chart: HorizontalBarChart | VerticalBarChart, top: int) -> None:
    axis = chart.valueAxis
    axis.valueMin = 0
    axis.valueMax = max(top, 1) * 1.1  # room for the label at the end of the longest bar
    axis.visible = 0
    axis.visibleGrid = 0


def write_chart(report: Report, title: str, out: Path) -> Path:
    """The chart as `out` (.png or .pdf); a `UsageError` for any other kind of file."""
    kind = out.suffix.lower()
    if kind not in KINDS:
        raise UsageError(
            f"--chart {out}: mailer draws charts as .png or .pdf",
            hint="name the file report.png or report.pdf",
        )
    pdf = chart_pdf(chart_drawing(report, title))
    write_bytes_atomic(out, png_of(pdf) if kind == ".png" else pdf)
    return out


def chart_pdf(drawing: Drawing) -> bytes:
    from reportlab.graphics import renderPDF

    data: object = renderPDF.drawToString(drawing, invariant=1)
    assert isinstance(data, bytes)  # typed as text by the stubs: it is the PDF's bytes
    return data


def png_of(pdf: bytes) -> bytes:
    """The first page of `pdf` as PNG bytes, `SCALE` pixels per point."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=SCALE).to_pil()
        png = io.BytesIO()
        image.save(png, format="PNG", optimize=True)
        return png.getvalue()
    finally:
        document.close()


def ink(color: Color) -> tuple[int, int, int]:
    """A chart colour as the 8-bit RGB a PNG holds (tests find the bars by it)."""
    return round(color.red * 255), round(color.green * 255), round(color.blue * 255)
