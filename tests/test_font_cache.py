"""The made pen font kept on disk between runs: read back when whole, made again when not,
and never a reason for a run to fail."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from mailer import cache_folder
from mailer.drawing import font_cache

PEN_BYTES = """
import hashlib
from mailer.drawing.fonts import caveat_path
from mailer.drawing.variants import coded_program, pen_font
pen = pen_font(str(caveat_path()), "Caveat")
print(hashlib.sha256(pen.program + coded_program(pen)).hexdigest(), sorted(pen.varied) == \
sorted(set(pen.varied)), len(pen.codes))
"""


def _pen_in_a_process(cache: Path | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != cache_folder.CACHE_ENV}
    if cache is not None:
        env[cache_folder.CACHE_ENV] = str(cache)
    done = subprocess.run(
        [sys.executable, "-c", PEN_BYTES], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout.strip()


def test_the_pen_font_read_back_is_the_one_made(tmp_path: Path) -> None:
    made = _pen_in_a_process(tmp_path)
    kept = sorted(p.name.split("-")[0] for p in tmp_path.iterdir())
    assert kept == ["chars", "coded", "pen"]
    assert _pen_in_a_process(tmp_path) == made
    # And the same as a run that can keep nothing.
    (tmp_path / "a file").write_text("in the way")
    assert _pen_in_a_process(tmp_path / "a file" / "fonts") == made


def test_a_kept_character_list_that_is_another_kept_file_is_read_again(tmp_path: Path) -> None:
    """A whole kept file (its check sum right) copied by hand over the character list: the
    characters are read from the font again, the same pen font, never a font error."""
    made = _pen_in_a_process(tmp_path)
    (chars,) = tmp_path.glob("chars-*")
    (pen,) = tmp_path.glob("pen-*")
    chars.write_bytes(pen.read_bytes())
    assert _pen_in_a_process(tmp_path) == made


def _counting(data: bytes) -> tuple[list[int], Callable[[], bytes]]:
    calls: list[int] = []

    def make() -> bytes:
        calls.append(1)
        return data

    return calls, make


def test_a_kept_font_is_not_made_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache_folder.CACHE_ENV, str(tmp_path))
    calls, make = _counting(b"font bytes")
    assert font_cache.kept("pen", b"source", make) == b"font bytes"
    assert font_cache.kept("pen", b"source", make) == b"font bytes"
    assert len(calls) == 1
    # Another source, or another kind, is another font.
    font_cache.kept("pen", b"other source", make)
    font_cache.kept("coded", b"source", make)
    assert len(calls) == 3


def test_a_font_kept_by_another_fonttools_release_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fontTools

    # The release is named without importing fontTools, by the file that holds its version.
    assert f'"{fontTools.version}"'.encode() in font_cache.fonttools_release()
    monkeypatch.setenv(cache_folder.CACHE_ENV, str(tmp_path))
    calls, make = _counting(b"font bytes")
    font_cache.kept("pen", b"source", make)
    monkeypatch.setattr(font_cache, "fonttools_release", lambda: b'version = "99.0.0"')
    font_cache.kept("pen", b"source", make)
    font_cache.kept("pen", b"source", make)
    assert len(calls) == 2
    assert len(list(tmp_path.iterdir())) == 2


@pytest.mark.parametrize("damage", ["cut", "changed", "empty"])
def test_a_damaged_kept_font_is_made_again_and_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    monkeypatch.setenv(cache_folder.CACHE_ENV, str(tmp_path))
    calls, make = _counting(b"the real font " * 100)
    font_cache.kept("pen", b"source", make)
    (path,) = tmp_path.iterdir()
    whole = path.read_bytes()
    if damage == "cut":
        path.write_bytes(whole[: len(whole) // 2])
    elif damage == "changed":
        path.write_bytes(whole[:10] + b"X" + whole[11:])
    else:
        path.write_bytes(b"")
    assert font_cache.kept("pen", b"source", make) == b"the real font " * 100
    assert len(calls) == 2
    assert path.read_bytes() == whole
    assert hashlib.sha256(whole[:-32]).digest() == whole[-32:]


def test_a_cache_folder_that_cant_be_written_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a file"
    blocked.write_text("not a folder")
    monkeypatch.setenv(cache_folder.CACHE_ENV, str(blocked / "fonts"))
    calls, make = _counting(b"font")
    assert font_cache.kept("pen", b"source", make) == b"font"
    assert font_cache.kept("pen", b"source", make) == b"font"
    assert len(calls) == 2
    assert blocked.read_text() == "not a folder"


def test_the_cache_lives_in_the_users_cache_folder_unless_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(cache_folder.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if sys.platform != "win32":
        assert font_cache.cache_dir() == tmp_path / "mailer" / "fonts"
    monkeypatch.setenv(cache_folder.CACHE_ENV, str(tmp_path / "mine"))
    assert font_cache.cache_dir() == tmp_path / "mine"
    monkeypatch.setenv(cache_folder.CACHE_ENV, "~/fonts here")
    assert font_cache.cache_dir() == Path.home() / "fonts here"


def test_a_font_changed_at_its_path_is_registered_under_another_name(tmp_path: Path) -> None:
    # A print sheet holds cards drawn before and after the change: one name, one program.
    from fontTools.ttLib import TTFont as FontFile

    from mailer.drawing.fonts import _register_ttf, caveat_path

    hand = tmp_path / "hand.ttf"
    hand.write_bytes(caveat_path().read_bytes())
    before = _register_ttf(hand, "hand").name
    font = FontFile(str(hand))
    font["head"].fontRevision += 1
    font.save(str(hand))
    after = _register_ttf(hand, "hand").name
    assert before != after
    assert _register_ttf(hand, "hand").name == after


def _split_pen() -> Callable[[], object]:
    from mailer.drawing import pen_program
    from mailer.drawing.fonts import caveat_path
    from mailer.drawing.variants import coded_program, pen_font

    program = coded_program(pen_font(str(caveat_path()), "Caveat"))
    return lambda: pen_program.SplitProgram(program)


def _programs(split: object) -> list[tuple[bytes, int]]:
    """A card's copy of the pen font for a few sets of forms and other characters."""
    from mailer.drawing.pen_program import SplitProgram

    assert isinstance(split, SplitProgram)
    accents = sorted(split.extra.values())[:3]
    placed = tuple(zip((1, 2, 3), accents, strict=True))
    choices = [((), ()), ((130, 140, 251), ()), ((129,), placed)]
    return [split.keeping(others, placed) for others, placed in choices]


def test_the_pen_fonts_compressed_pieces_are_kept_and_give_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailer.drawing import pen_program

    monkeypatch.setenv(cache_folder.CACHE_ENV, str(tmp_path))
    split = _split_pen()
    made = _programs(split())
    (kept,) = tmp_path.glob("pieces-*.bin")

    def compressed_again(parts: list[bytes]) -> bytes:
        raise AssertionError("the kept pieces were compressed again")

    with monkeypatch.context() as patched:
        patched.setattr(pen_program, "_packed", compressed_again)
        assert _programs(split()) == made  # read back, not made
    # A changed file is made again, with the same bytes as ever.
    whole = kept.read_bytes()
    kept.write_bytes(whole[:100] + bytes([whole[100] ^ 1]) + whole[101:])
    assert _programs(split()) == made
    assert kept.read_bytes() == whole
    # And the same as a run that can keep nothing.
    monkeypatch.setenv(cache_folder.CACHE_ENV, str(tmp_path / "pieces-none" / "x"))
    (tmp_path / "pieces-none").write_text("in the way")
    assert _programs(split()) == made


def test_pieces_laid_out_wrong_are_never_used() -> None:
    from mailer.drawing.pen_program import _packed, _unpacked

    parts = [b"tables " * 50, b"", b"glyph"]
    laid_out = _packed(parts)
    pieces = _unpacked(laid_out, 3)
    assert pieces is not None
    # Pieces in any order make one deflate stream of their parts.
    assert zlib.decompressobj(-15).decompress(b"".join(pieces[::-1])) == b"".join(parts[::-1])
    assert _unpacked(laid_out, 4) is None
    assert _unpacked(laid_out[:-1], 3) is None
    assert _unpacked(laid_out + b"\0", 3) is None
    assert _unpacked(b"", 3) is None
