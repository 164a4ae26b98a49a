"""Card geometry: the numbers of Lob's artwork guides and the USPS Domestic Mail Manual, and
the zone relationships the drawing code relies on."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.drawing.geometry import (
    MESSAGE_GAP,
    Rect,
    aspect_ratio,
    card_geometry,
    machinable,
    size_warning,
)
from mailer.errors import RenderError

IN = 72.0
ALL = [("4x6", "provider"), ("6x9", "provider"), ("6x11", "provider"), ("4x6", "self"),
       ("4.25x5.5", "self"), ("a6", "self")]  # fmt: skip


@pytest.mark.parametrize(
    ("size", "page", "trim"),
    [
        ("4x6", (450, 306), (432, 288)),
        ("6x9", (666, 450), (648, 432)),
        ("6x11", (810, 450), (792, 432)),
    ],
)
def test_provider_page_is_trim_plus_bleed(size, page, trim):
    g = card_geometry(size, "provider")
    assert (g.page.w, g.page.h) == page
    assert g.page_size == page
    assert (g.trim.w, g.trim.h) == trim
    assert (g.trim.x, g.trim.y) == (9, 9)
    assert g.bleed == g.page
    assert g.safe == g.trim.inset(0.125 * IN)


@pytest.mark.parametrize(
    ("size", "zone"),
    [
        ("4x6", (2.6915, 0.25, 5.975, 2.625)),
        ("6x9", (4.975, 0.25, 8.975, 2.625)),
        ("6x11", (6.975, 0.25, 10.975, 2.625)),
    ],
)
def test_provider_ink_free_zone_matches_lob(size, zone):
    g = card_geometry(size, "provider")
    z = g.ink_free_zone
    assert z is not None
    left, bottom, right, top = (v * IN for v in zone)
    assert z.x == pytest.approx(left)
    assert z.y == pytest.approx(bottom)
    assert z.right == pytest.approx(right)
    assert z.top == pytest.approx(top)
    assert g.keep_out == (z,)
    assert not g.message_area.intersects(z)
    assert g.safe.contains(g.message_area)
    assert g.ocr_read_area is None
    assert g.stamp_box is None


@pytest.mark.parametrize(
    ("size", "page"),
    [("4x6", (432, 288)), ("4.25x5.5", (396, 306)), ("a6", (148 / 25.4 * 72, 105 / 25.4 * 72))],
)
def test_self_mail_page_is_trim(size, page):
    g = card_geometry(size, "self")
    assert (g.page.w, g.page.h) == page
    assert g.trim == g.page == g.bleed
    assert g.safe == g.page.inset(0.25 * IN)
    assert g.ink_free_zone is None


def test_self_mail_4x6_usps_zones():
    g = card_geometry("4x6", "self")
    assert g.ocr_read_area == Rect.from_edges(36, 45, 396, 198)
    assert g.barcode_clear_zone == Rect.from_edges(432 - 4.75 * IN, 0, 432, 45)
    assert g.stamp_box == Rect.from_edges(342, 198, 414, 270)
    assert g.return_address_area == Rect.from_edges(18, 192, 216, 270)
    assert g.delivery_address_area == Rect.from_edges(216, 45, 396, 198)


@pytest.mark.parametrize("size", ["4x6", "4.25x5.5", "a6"])
def test_self_mail_zones_relate(size):
    g = card_geometry(size, "self")
    ocr, barcode, stamp = g.ocr_read_area, g.barcode_clear_zone, g.stamp_box
    delivery, ret = g.delivery_address_area, g.return_address_area
    assert ocr
    assert barcode
    assert stamp
    assert delivery
    assert ret
    assert ocr.contains(delivery)
    assert delivery.x >= g.page.w / 2
    assert not delivery.intersects(barcode)
    assert delivery.top <= stamp.y
    assert g.safe.contains(stamp)
    assert (stamp.w, stamp.h) == pytest.approx((72, 72))
    assert (stamp.right, stamp.top) == pytest.approx((g.page.w - 18, g.page.h - 18))  # 0.25"
    # return address: top third, left half
    assert ret.y >= g.page.h * 2 / 3 - 0.01
    assert ret.right <= g.page.w / 2
    # message: left half, 0.4" clear of the address block, never in the barcode zone
    assert g.message_area.right <= delivery.x - MESSAGE_GAP + 0.01
    assert not g.message_area.intersects(barcode)
    assert g.safe.contains(g.message_area)
    assert g.keep_out == (barcode,)


def test_quarter_letter_keeps_absolute_usps_zones_and_scales_text():
    g = card_geometry("4.25x5.5", "self")
    assert g.ocr_read_area == Rect.from_edges(36, 45, 396 - 36, 198)
    assert g.barcode_clear_zone == Rect.from_edges(396 - 342, 0, 396, 45)
    assert g.text_scale == pytest.approx(396 / 432)
    assert card_geometry("6x9", "provider").text_scale == pytest.approx(1.5)
    assert card_geometry("4x6", "self").text_scale == 1


def test_machinable_by_aspect_ratio():
    assert machinable("4x6")
    assert machinable("6x9")
    assert machinable("6x11")
    assert not machinable("4.25x5.5")
    assert aspect_ratio("4.25x5.5") == pytest.approx(5.5 / 4.25)
    assert size_warning("4x6") is None
    warning = size_warning("4.25x5.5")
    assert warning is not None
    assert "1.294" in warning
    assert "machinable" in warning


@pytest.mark.parametrize(
    ("size", "mode"), [("6x9", "self"), ("4.25x5.5", "provider"), ("5x7", "self"), ("4x6", "x")]
)
def test_unknown_size_or_mode_is_refused(size, mode):
    with pytest.raises(RenderError) as err:
        card_geometry(size, mode)
    assert err.value.hint


def test_bad_size_text():
    with pytest.raises(RenderError, match="not like 4x6"):
        aspect_ratio("four by six")


@pytest.mark.parametrize(("size", "mode"), ALL)
def test_every_zone_is_on_the_page(size, mode):
    g = card_geometry(size, mode)
    assert g.page.contains(g.trim)
    assert g.trim.contains(g.safe)
    for zone in (g.ink_free_zone, g.ocr_read_area, g.barcode_clear_zone, g.stamp_box,
                 g.return_address_area, g.delivery_address_area, g.message_area):  # fmt: skip
        if zone is not None:
            assert g.page.contains(zone)
            assert not zone.empty


def test_rect_helpers():
    r = Rect(10, 20, 100, 50)
    assert (r.right, r.top) == (110, 70)
    assert r.contains(Rect(10, 20, 100, 50))
    assert not r.contains(Rect(9, 20, 10, 10))
    assert r.contains_point(10, 70)
    assert not r.contains_point(111, 30)
    assert r.intersects(Rect(100, 60, 50, 50))
    assert not r.intersects(Rect(110, 20, 5, 5))  # touching edges only
    assert r.inset(5) == Rect(15, 25, 90, 40)
    assert r.inset(5, 0) == Rect(15, 20, 90, 50)
    assert r.moved(1, 2) == Rect(11, 22, 100, 50)
    assert r.with_edges(top=40) == Rect(10, 20, 100, 20)
    assert Rect(0, 0, 0, 5).empty


coords = st.floats(min_value=-500, max_value=500, allow_nan=False)
sizes = st.floats(min_value=0.5, max_value=300, allow_nan=False)
rects = st.builds(Rect, coords, coords, sizes, sizes)


@settings(max_examples=60, deadline=None)
@given(rects, rects)
def test_intersects_is_symmetric_and_consistent_with_contains(a, b):
    assert a.intersects(b) == b.intersects(a)
    if a.contains(b, tolerance=0) and b.w > 0.1 and b.h > 0.1:
        assert a.intersects(b)


def test_geometry_and_templates_do_not_import_reportlab():
    code = (
        "import sys, mailer.drawing, mailer.drawing.geometry;"
        "assert 'jinja2' not in sys.modules, 'jinja2 imported';"
        "import mailer.drawing.templates;"
        "assert 'reportlab' not in sys.modules, 'reportlab imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
