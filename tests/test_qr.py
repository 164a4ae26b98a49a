"""QR codes made per card: the rectangles drawn cover exactly the dark modules of the code,
every code made with its form's mask reads back as its address, and the same address gives
the same code and the same card bytes whatever was drawn before and in any process."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest
import zxingcpp
from PIL import Image

from mailer.domain.card_codes import candidate
from mailer.domain.step_codes import code_url
from mailer.drawing import qr
from mailer.drawing.batch import render_card_bytes
from mailer.errors import RenderError
from tests.builders import REPO, card_step, config_for, qr_texts

URLS = [
    "https://example.com/o",
    "https://example.com/note20",
    "https://shop.example.com/offers/winter?src=card&utm_medium=mail",
    "https://example.com/" + "long-path/" * 12 + "{code}",
]


def drawn_grid(value: str) -> list[list[bool]]:
    """The modules the card writer's rectangles cover, dark as True."""
    side, operators = qr.qr_operators(value)
    grid = [[False] * side for _ in range(side)]
    numbers = operators.split()
    assert len(numbers) % 5 == 0
    assert set(numbers[4::5]) <= {b"re"}
    for at in range(0, len(numbers), 5):
        col, row, width, height = (int(n) for n in numbers[at : at + 4])
        assert height == 1
        assert width >= 1
        for c in range(col, col + width):
            assert not grid[row][c], f"module {row},{c} drawn twice"
            grid[row][c] = True
    return grid


def read_back(matrix: list[bytes]) -> str:
    """The code read from a picture of the matrix (4 pixels a module, 4 light modules
    round it), as a phone reads it."""
    side, scale, quiet = len(matrix), 4, 4
    picture = Image.new("L", ((side + 2 * quiet) * scale,) * 2, 255)
    for row, cells in enumerate(matrix):
        for col, cell in enumerate(cells):
            if cell == 0:
                box = ((col + quiet) * scale, (row + quiet) * scale)
                picture.paste(0, (*box, box[0] + scale, box[1] + scale))
    found = zxingcpp.read_barcodes(picture)
    assert len(found) == 1
    return found[0].text


@pytest.mark.parametrize("url", URLS)
def test_the_rectangles_cover_exactly_the_dark_modules(url: str) -> None:
    for n in range(25):
        value = code_url(url, candidate(f"{url}-{n}"))
        matrix = qr.qr_matrix(value)
        assert drawn_grid(value) == [[cell == 0 for cell in row] for row in matrix]


@pytest.mark.parametrize("url", URLS)
def test_every_code_made_with_its_forms_mask_reads_back_as_its_address(url: str) -> None:
    values = [code_url(url, candidate(f"{url}-read-{n}")) for n in range(40)]
    assert len(set(values)) == len(values)
    for value in values:
        assert read_back(qr.qr_matrix(value)) == value


def test_an_address_without_capitals_or_digits_is_its_own_form() -> None:
    assert read_back(qr.qr_matrix("https://example.com/hello")) == "https://example.com/hello"


def test_the_same_address_gives_the_same_code_whatever_came_before() -> None:
    value = code_url(URLS[1], candidate("the-same"))
    first = qr.qr_operators(value)
    for n in range(50):  # other codes of other forms and sizes fill the tables
        qr.qr_operators(code_url(URLS[n % len(URLS)], candidate(f"other-{n}")))
    assert qr.qr_operators(value) == first
    code = (
        "import sys\n"
        "from mailer.drawing import qr\n"
        f"sys.stdout.write(qr.qr_operators({value!r})[1].decode())\n"
    )
    alone = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert alone.stdout.encode() == first[1]


def test_a_sales_cards_bytes_dont_depend_on_the_cards_drawn_before_it() -> None:
    config = config_for()
    alone = (
        "import sys, hashlib\n"
        "from mailer.drawing.batch import render_card_bytes\n"
        "from tests.builders import card_step, config_for\n"
        "data = render_card_bytes(card_step('Q7', first='Zoë'), config_for(), 'self')\n"
        "sys.stdout.write(hashlib.sha256(data).hexdigest())\n"
    )
    for n in range(20):
        render_card_bytes(card_step(f"Q{n + 10}", first="Ann"), config, "self")
    here = render_card_bytes(card_step("Q7", first="Zoë"), config, "self")
    (read,) = qr_texts(here)
    assert read.startswith(f"{config.offer.url}?code=")
    done = subprocess.run(
        [sys.executable, "-c", alone], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout == hashlib.sha256(here).hexdigest()


def test_an_address_too_long_for_a_qr_code_is_a_render_error() -> None:
    with pytest.raises(RenderError, match="too long for a QR code"):
        qr.qr_operators("https://example.com/" + "x" * 5000)
