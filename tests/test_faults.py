"""Faults a seller meets without doing anything wrong on purpose: a full or read-only disk, a
ledger changed by hand, a picture or a font that is not what it seems, a config value out of
range. Each is one clear error through the command line, naming the file or key and the fix,
with exit 1 or 2, no traceback, and nothing half-written left behind.

The full and read-only disks are real file systems (a small tmpfs, a read-only one) where
this machine lets the tests mount them (root); everywhere the same errors are also injected
at the layer that meets them (`OSError(ENOSPC)` at a write, SQLite's own limit on a file).
"""

from __future__ import annotations

import errno
import io
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import Result

from tests.builders import EXAMPLE_CALLS, EXAMPLE_CONFIG, REPO, invoke, write_file

TODAY = "2026-11-22"
Mount = Callable[[Path, str], Path]


# -- helpers ---------------------------------------------------------------------------------


def config_with(folder: Path, changes: dict[tuple[str, str], str], extra: str = "") -> Path:
    """The example mailer.toml with some `key = value` lines of a section replaced."""
    lines = EXAMPLE_CONFIG.read_text(encoding="utf-8").splitlines()
    section, todo = "", dict(changes)
    for i, line in enumerate(lines):
        if line.startswith("["):
            section = line.split("]")[0].strip("[")
        key = line.split("=")[0].strip()
        if (section, key) in todo:
            lines[i] = f"{key} = {todo.pop((section, key))}"
    assert not todo, f"not in the example config: {todo}"
    path = folder / "mailer.toml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def run(
    folder: Path, *extra: str | Path, config: Path | None = None, out: Path | None = None
) -> Result:
    return invoke(
        "run",
        EXAMPLE_CALLS,
        "--config",
        config or EXAMPLE_CONFIG,
        "--db",
        folder / "mailer.db",
        "--out",
        out or folder / "out",
        "--today",
        TODAY,
        *extra,
    )


def plan(db: Path, calls: Path = EXAMPLE_CALLS, today: str = TODAY) -> Result:
    return invoke("plan", calls, "--config", EXAMPLE_CONFIG, "--db", db, "--today", today)


def clean_failure(result: Result, code: int, *named: str) -> None:
    """Exit `code`, one `error:` line naming each of `named`, and no traceback."""
    text = result.stdout + result.stderr
    assert result.exit_code == code, text
    assert "Traceback" not in text
    said = " ".join(result.stderr.split())  # as one line, however the terminal wrapped it
    assert "error:" in said
    for name in named:
        assert name in said, (name, said)


def never_a_new_ledger(result: Result) -> None:
    """The ledger holds the opt-out list: no advice to start another one."""
    said = " ".join(result.stderr.split())
    for advice in ("new file", "start one", "new ledger", "not a mailer ledger"):
        assert advice not in said, said


def half_written(folder: Path) -> list[Path]:
    """Temporary files left behind: anything still named .part under `folder`."""
    return sorted(p for p in folder.rglob("*") if ".part" in p.name)


def printed_cards(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(
            conn.execute("SELECT count(*) FROM pieces WHERE status = 'printed'").fetchone()[0]
        )


def opt_outs(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {r[0] for r in conn.execute("SELECT contact_id FROM suppressions")}


@pytest.fixture
def mounted(tmp_path: Path) -> Iterator[Mount]:
    """`mount(folder, options)` puts a fresh tmpfs on `folder` (unmounted after the test);
    skips where this machine does not let the tests mount one."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small file system needs root here")
    done: list[Path] = []

    def mount(folder: Path, options: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        answer = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        )
        if answer.returncode != 0:
            pytest.skip(f"this machine does not allow mounting a tmpfs: {answer.stderr!r}")
        done.append(folder)
        return folder

    yield mount
    for folder in reversed(done):
        subprocess.run(["umount", "-l", str(folder)], check=False)


# -- output folders --------------------------------------------------------------------------


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a 0500 folder regardless")
def test_a_read_only_output_folder_is_one_error_naming_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o500)
    try:
        result = run(tmp_path, out=out)
    finally:
        out.chmod(0o700)
    clean_failure(result, 1, str(out), "no permission to write", "--out")
    assert half_written(out) == []


def test_no_permission_to_write_is_one_error_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same refusal as above, for machines where the tests run as root.
    real_open = os.open

    def refused(name: str | Path, flags: int, mode: int = 0o777) -> int:
        if str(name).endswith(".part"):  # the temporary file every output starts as
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(name, flags, mode)

    monkeypatch.setattr(os, "open", refused)
    result = run(tmp_path)
    clean_failure(result, 1, str(tmp_path / "out" / "plan.json"), "no permission to write")
    assert half_written(tmp_path) == []


def test_an_output_folder_on_a_read_only_disk(tmp_path: Path, mounted: Mount) -> None:
    disk = mounted(tmp_path / "disk", "ro,size=1m")
    result = run(tmp_path, out=disk / "out")
    clean_failure(result, 1, str(disk / "out"), "read-only", "--out")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_full_output_disk_stops_at_the_card_that_did_not_fit(
    tmp_path: Path, mounted: Mount, jobs: str
) -> None:
    disk = mounted(tmp_path / "disk", "size=40k")
    result = run(tmp_path, "--jobs", jobs, out=disk / "out")
    clean_failure(result, 1, str(disk / "out" / "cards"), "the disk is full", "run the same")
    assert half_written(disk) == []
    # The cards that fitted are recorded; the rest are drawn by the next run, elsewhere.
    again = run(tmp_path, out=tmp_path / "elsewhere")
    assert again.exit_code == 0, again.stderr
    assert len(list((tmp_path / "elsewhere" / "cards").glob("*.pdf"))) >= 1


def test_a_full_disk_at_a_write_leaves_no_half_written_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A disk that fills during the third card: half of it is written, then ENOSPC.
    real = os.write
    calls = {"n": 0}

    def filling(fd: int, data: bytes) -> int:
        written = Path(f"/proc/self/fd/{fd}").readlink()  # the file this write goes to
        if written.name.endswith(".part") and written.parent.name == "cards":
            calls["n"] += 1
            if calls["n"] == 3:
                real(fd, data[: len(data) // 2])
                raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, data)

    monkeypatch.setattr(os, "write", filling)
    result = run(tmp_path)
    clean_failure(result, 1, "cards", "the disk is full", "2 cards drawn before it are")
    assert half_written(tmp_path) == []
    cards = tmp_path / "out" / "cards"
    assert len(list(cards.glob("*.pdf"))) == 2  # only whole cards under their final names


# -- the ledger ------------------------------------------------------------------------------


def _limit_ledger_growth(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's own page limit: the ledger can't grow by a page, as on a full disk."""
    from mailer.ledger import schema

    real = schema.migrate

    def then_full(conn: sqlite3.Connection, path: Path) -> None:
        real(conn, path)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")

    monkeypatch.setattr(schema, "migrate", then_full)


def test_a_disk_filled_by_the_cards_under_the_ledger_too_names_the_card(
    tmp_path: Path, mounted: Mount
) -> None:
    # The default layout: the ledger and the cards on one disk. The card that did not fit
    # is the error to tell, even though the ledger can't take the last cards either.
    disk = mounted(tmp_path / "disk", "size=520k")
    db = disk / "mailer.db"
    assert plan(db).exit_code == 0
    result = invoke(
        "render", "--config", EXAMPLE_CONFIG, "--db", db, "--out", disk / "out", "--today", TODAY
    )
    clean_failure(result, 1, str(disk / "out" / "cards"), "the disk is full")
    assert "drawn before it" in " ".join(result.stderr.split())
    never_a_new_ledger(result)
    assert half_written(disk) == []


def test_a_full_disk_under_the_ledger_keeps_it_and_never_advises_a_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "mailer.db"
    assert plan(db).exit_code == 0
    before = opt_outs(db)
    assert before
    _limit_ledger_growth(monkeypatch)
    more = tmp_path / "more.csv"
    rows = EXAMPLE_CALLS.read_text(encoding="utf-8").splitlines()
    header = rows[0]
    more.write_text(
        header + "\n" + "\n".join(r.replace("C0", "D0") for r in rows[1:]) + "\n",
        encoding="utf-8",
    )
    result = plan(db, more)
    clean_failure(result, 1, str(db), "the disk holding the ledger is full", "opt-out list")
    never_a_new_ledger(result)
    monkeypatch.undo()
    assert opt_outs(db) == before


def test_a_ledger_on_a_full_disk(tmp_path: Path, mounted: Mount) -> None:
    disk = mounted(tmp_path / "disk", "size=64k")
    result = plan(disk / "mailer.db")
    clean_failure(result, 1, str(disk / "mailer.db"), "full")
    never_a_new_ledger(result)


def test_a_ledger_on_a_disk_made_read_only(tmp_path: Path, mounted: Mount) -> None:
    disk = mounted(tmp_path / "disk", "size=4m")
    db = disk / "mailer.db"
    assert plan(db).exit_code == 0
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    result = plan(db, today="2026-11-23")
    clean_failure(result, 1, str(db), "read-only")
    never_a_new_ledger(result)


def test_a_damaged_ledger_file_is_rescued_not_replaced(tmp_path: Path) -> None:
    db = tmp_path / "mailer.db"
    assert plan(db).exit_code == 0
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(db.read_bytes())
    data[page * 2 : page * 4] = b"\xa5" * (2 * page)  # two pages of the tables overwritten
    db.write_bytes(bytes(data))
    result = invoke("followups", "--db", db)
    clean_failure(result, 1, str(db), "damaged", ".recover", "opt-out list")
    never_a_new_ledger(result)


def test_a_file_that_is_no_database_is_not_replaced(tmp_path: Path) -> None:
    db = tmp_path / "mailer.db"
    db.write_text("these are my notes, not a ledger\n" * 200, encoding="utf-8")
    result = invoke("followups", "--db", db)
    clean_failure(result, 1, str(db), "not a SQLite database", "backup")
    never_a_new_ledger(result)
    assert db.read_text(encoding="utf-8").startswith("these are my notes")


def test_a_date_typed_into_the_ledger_by_hand_names_the_row_and_the_fix(tmp_path: Path) -> None:
    db = tmp_path / "mailer.db"
    assert plan(db).exit_code == 0
    with sqlite3.connect(db) as conn:
        (key,) = conn.execute("SELECT step_key FROM steps WHERE contact_id = 'C004'").fetchone()
        conn.execute("UPDATE steps SET send_date = 'next tuesday' WHERE step_key = ?", (key,))
    for command in (("followups",), ("render", "--out", tmp_path / "out")):
        result = invoke(*command, "--db", db, "--today", TODAY)
        clean_failure(result, 1, str(db), "steps", key, "send_date", "'next tuesday'")
        said = " ".join(result.stderr.split())
        assert f'sqlite3 {db} "UPDATE steps SET send_date = ' in said
        assert f"WHERE step_key = '{key}'" in said
    # The fix the hint gives works.
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE steps SET send_date = '2026-11-23' WHERE step_key = ?", (key,))
    assert invoke("followups", "--db", db, "--today", TODAY).exit_code == 0


def test_a_status_typed_into_the_ledger_by_hand_is_found_at_once(tmp_path: Path) -> None:
    db = tmp_path / "mailer.db"
    out = tmp_path / "out"
    assert run(tmp_path, out=out).exit_code == 0
    with sqlite3.connect(db) as conn:
        (piece,) = conn.execute("SELECT min(id) FROM pieces").fetchone()
        conn.execute("UPDATE pieces SET status = 'done' WHERE id = ?", (piece,))
    # Every stage asks for cards by status: without the check the card would vanish quietly.
    for command in (("print", "--out", out), ("render", "--out", out), ("status",)):
        result = invoke(*command, "--db", db)
        clean_failure(result, 1, "pieces", f"id = {piece}", "status", "'done'", "piece_events")


def test_a_birthday_typed_into_the_contact_book_by_hand(tmp_path: Path) -> None:
    db = tmp_path / "mailer.db"
    book = tmp_path / "contacts.csv"
    book.write_text(
        "contact_id,first_name,last_name,address_line1,city,state,postal_code,birthday\n"
        "C001,Mary,Albright,12 Elm St,Springfield,IL,62704,1970-03-14\n",
        encoding="utf-8",
    )
    assert invoke("contacts", "import", book, "--db", db).exit_code == 0
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE contacts SET birthday = 'March 14th'")
    result = invoke("contacts", "list", "--db", db)
    clean_failure(result, 1, "contacts", "birthday", "'March 14th'", "YYYY-MM-DD")


# -- pictures and fonts ----------------------------------------------------------------------


def png_bomb(path: Path, width: int, height: int) -> Path:
    """A real, valid PNG of `width` x `height` black-and-white pixels, all zero: tens of
    kilobytes on disk, hundreds of megabytes once decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    squeeze = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    idat = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
    return path


def own_templates(folder: Path) -> Path:
    """A copy of the built-in templates to change, as `mailer init` would write them."""
    templates = folder / "templates"
    shutil.copytree(REPO / "templates", templates, ignore=shutil.ignore_patterns("*.md"))
    return templates


@pytest.mark.parametrize("size", [(20_000, 20_000), (9_000, 8_000)], ids=["bomb", "too-big"])
def test_a_decompression_bomb_as_front_image_is_refused_unopened(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    templates = own_templates(tmp_path)
    image = png_bomb(templates / "offer" / "front.png", *size)
    assert image.stat().st_size < 200_000
    card = templates / "offer" / "card.toml"
    card.write_text(
        card.read_text(encoding="utf-8").replace("[front]\n", '[front]\nimage = "front.png"\n'),
        encoding="utf-8",
    )
    config = config_with(tmp_path, {("templates", "dir"): '"templates"'})
    result = run(tmp_path, config=config)
    clean_failure(result, 1, str(image), "front.image", "card.toml", "megapixels")
    assert half_written(tmp_path) == []
    assert not list((tmp_path / "out").glob("cards/*.pdf"))


def test_a_front_image_cut_short_is_refused_before_any_card(tmp_path: Path) -> None:
    from PIL import Image

    templates = own_templates(tmp_path)
    photo = templates / "offer" / "photo.png"
    Image.effect_noise((1200, 800), 64).convert("RGB").save(photo)
    photo.write_bytes(photo.read_bytes()[: photo.stat().st_size // 2])
    card = templates / "offer" / "card.toml"
    card.write_text(
        card.read_text(encoding="utf-8").replace("[front]\n", '[front]\nimage = "photo.png"\n'),
        encoding="utf-8",
    )
    config = config_with(tmp_path, {("templates", "dir"): '"templates"'})
    result = run(tmp_path, config=config)
    clean_failure(result, 1, str(photo), "front.image", "saved again")
    assert half_written(tmp_path) == []


def test_a_jpeg_front_image_cut_short_is_refused_before_any_card(tmp_path: Path) -> None:
    # A JPEG has no checksums for verify() to check: its pixels are decoded once, up front.
    from PIL import Image

    templates = own_templates(tmp_path)
    photo = templates / "offer" / "photo.jpg"
    Image.effect_noise((1200, 800), 64).convert("RGB").save(photo, quality=90)
    photo.write_bytes(photo.read_bytes()[: photo.stat().st_size // 2])
    card = templates / "offer" / "card.toml"
    card.write_text(
        card.read_text(encoding="utf-8").replace("[front]\n", '[front]\nimage = "photo.jpg"\n'),
        encoding="utf-8",
    )
    config = config_with(tmp_path, {("templates", "dir"): '"templates"'})
    result = run(tmp_path, config=config)
    clean_failure(result, 1, str(photo), "front.image", "card.toml", "truncated", "saved again")
    assert "can't be drawn" not in result.stderr  # stopped before drawing, not in a card
    assert half_written(tmp_path) == []
    assert not list((tmp_path / "out").glob("cards/*.pdf"))


def test_a_sound_front_image_is_checked_and_decoded_once_a_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image, ImageFile

    templates = own_templates(tmp_path)
    photo = templates / "offer" / "photo.jpg"
    Image.effect_noise((600, 400), 64).convert("RGB").save(photo, quality=90)
    card = templates / "offer" / "card.toml"
    card.write_text(
        card.read_text(encoding="utf-8").replace("[front]\n", '[front]\nimage = "photo.jpg"\n'),
        encoding="utf-8",
    )
    decoded: list[str] = []
    load = ImageFile.ImageFile.load

    def counted(image: ImageFile.ImageFile) -> object:
        decoded.append(str(getattr(image, "filename", "")))
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counted)
    config = config_with(tmp_path, {("templates", "dir"): '"templates"'})
    result = run(tmp_path, config=config)
    assert result.exit_code == 0, result.stderr
    assert list((tmp_path / "out").glob("cards/*.pdf"))
    assert decoded.count(str(photo)) == 1  # the check's decode; drawing reads it as it is


@pytest.mark.parametrize("keep", [100, 5_000, 200_000])
def test_a_truncated_font_file_names_the_file_and_the_key(tmp_path: Path, keep: int) -> None:
    from mailer.drawing.fonts import caveat_path

    font = tmp_path / "MyHand.ttf"
    font.write_bytes(caveat_path().read_bytes()[:keep])
    config = config_with(tmp_path, {("templates", "font"): '"MyHand.ttf"'})
    result = run(tmp_path, config=config)
    clean_failure(result, 1, "MyHand.ttf", "templates.font", "cut short", "download it again")
    assert half_written(tmp_path) == []


# -- templates -------------------------------------------------------------------------------


def test_a_missing_templates_dir_is_an_error_not_the_built_ins(tmp_path: Path) -> None:
    config = config_with(tmp_path, {("templates", "dir"): '"my-cards"'})
    result = run(tmp_path, config=config)
    clean_failure(result, 2, "templates.dir", "my-cards", "not a folder")
    assert not (tmp_path / "out" / "cards").exists() or not list(
        (tmp_path / "out" / "cards").iterdir()
    )


def test_a_template_folder_without_card_toml_is_an_error_not_the_built_in(tmp_path: Path) -> None:
    templates = own_templates(tmp_path)
    (templates / "offer" / "card.toml").unlink()
    config = config_with(tmp_path, {("templates", "dir"): '"templates"'})
    result = run(tmp_path, config=config)
    clean_failure(result, 1, str(templates / "offer"), "card.toml")
    assert not list((tmp_path / "out").glob("cards/*.pdf"))


def test_a_template_folder_missing_its_front_is_one_error_not_a_refused_card_each(
    tmp_path: Path,
) -> None:
    templates = own_templates(tmp_path)
    (templates / "offer" / "front.j2").unlink()
    config = config_with(tmp_path, {("templates", "dir"): '"templates"'})
    result = run(tmp_path, config=config)
    clean_failure(result, 1, str(templates / "offer"), "front.j2")
    assert not list((tmp_path / "out").glob("cards/*.pdf"))


# -- config values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "key", "value", "named"),
    [
        ("provider", "timeout_seconds", "inf", "'provider.timeout_seconds' is inf"),
        ("provider", "timeout_seconds", "nan", "'provider.timeout_seconds' is nan"),
        ("provider", "rate_window_seconds", "0", "'provider.rate_window_seconds' is 0.0"),
        ("provider", "rate_window_seconds", "-inf", "'provider.rate_window_seconds' is -inf"),
        ("provider", "rate_limit", "0", "'provider.rate_limit' is 0"),
        ("provider.prices", '"4x6"', "-0.63", "'provider.prices.4x6' is -0.63"),
        ("provider.prices", '"6x9"', "nan", "'provider.prices.6x9' is nan"),
        ("print.stamps", "domestic", "-0.61", "'print.stamps.domestic' is -0.61"),
        ("print.stamps", "international", "inf", "'print.stamps.international' is inf"),
        ("cadence", "cooldown_days", "-1", "'cadence.cooldown_days' is -1"),
        ("offer", "offer_days", "30", "'offer.offer_days' is 30"),
    ],
)
def test_a_number_out_of_its_range_names_the_key_the_value_and_the_range(
    tmp_path: Path, section: str, key: str, value: str, named: str
) -> None:
    config = config_with(tmp_path, {(section, key): value})
    result = invoke("plan", EXAMPLE_CALLS, "--config", config, "--dry-run", "--today", TODAY)
    clean_failure(result, 2, str(config), named, "it must be from")


@pytest.mark.parametrize("value", ["3.5", "true", '"3"'])
def test_a_bare_transit_days_that_is_no_whole_number_says_both_forms(
    tmp_path: Path, value: str
) -> None:
    config = write_file(tmp_path, "mailer.toml", f"[mail]\ntransit_days = {value}\n")
    result = invoke("plan", EXAMPLE_CALLS, "--config", config, "--dry-run", "--demo")
    clean_failure(result, 2, "'mail.transit_days' is", "a whole number of days, or a")


def test_an_offer_url_too_long_for_a_qr_code_is_refused_at_load(tmp_path: Path) -> None:
    url = '"https://example.com/' + "a" * 5_000 + '"'
    config = config_with(tmp_path, {("offer", "url"): url})
    db, out = tmp_path / "m.db", tmp_path / "out"
    for command in (("plan",), ("run", "--out", out)):
        result = invoke(*command, EXAMPLE_CALLS, "--config", config, "--db", db, "--today", TODAY)
        clean_failure(result, 2, "'offer.url'", "5,020 characters", "300", "short link")
    assert not out.exists()


def test_deeply_nested_toml_is_one_error(tmp_path: Path) -> None:
    config = config_with(tmp_path, {}, extra="deep = " + "[" * 100_000 + "]" * 100_000 + "\n")
    result = invoke("plan", EXAMPLE_CALLS, "--config", config, "--dry-run", "--today", TODAY)
    clean_failure(result, 2, str(config), "nested too deeply")


def test_a_deeply_nested_card_toml_is_one_error(tmp_path: Path) -> None:
    templates = own_templates(tmp_path)
    card = templates / "offer" / "card.toml"
    card.write_text("deep = " + "{a = " * 50_000 + "1" + "}" * 50_000 + "\n", encoding="utf-8")
    config = config_with(tmp_path, {("templates", "dir"): '"templates"'})
    result = run(tmp_path, config=config)
    clean_failure(result, 1, str(card), "nested too deeply")
    assert result.stderr.count("nested too deeply") == 1  # once, not once a card


def test_a_print_sheet_that_does_not_fit_marks_no_card_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The disk fills while print.pdf is written: half a sheet file, then ENOSPC.
    from mailer.printing import sheet_writer

    real = sheet_writer.write_sheets

    def filling(*args: object, **kwargs: object) -> object:
        real(*args, **kwargs)  # type: ignore[arg-type]
        partial = args[2]
        assert isinstance(partial, io.BufferedWriter)
        partial.truncate(1000)
        raise OSError(errno.ENOSPC, "No space left on device")

    db, out = tmp_path / "mailer.db", tmp_path / "out"
    assert plan(db).exit_code == 0
    monkeypatch.setattr(sheet_writer, "write_sheets", filling)
    result = invoke("print", "--config", EXAMPLE_CONFIG, "--db", db, "--out", out)
    clean_failure(result, 1, str(out / "print.pdf"), "the disk is full")
    assert half_written(tmp_path) == []
    assert not (out / "print.pdf").exists()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM pieces WHERE status = 'printed'").fetchone() == (
            0,
        )
    # Nothing was lost: with room again, every card is printed, once.
    monkeypatch.undo()
    again = invoke("print", "--config", EXAMPLE_CONFIG, "--db", db, "--out", out)
    assert again.exit_code == 0, again.stderr
    assert printed_cards(db) == 12


def test_an_action_typed_into_the_ledger_by_hand_is_found_at_once(tmp_path: Path) -> None:
    db = tmp_path / "mailer.db"
    assert plan(db).exit_code == 0
    with sqlite3.connect(db) as conn:
        (key,) = conn.execute("SELECT step_key FROM steps WHERE contact_id = 'C004'").fetchone()
        conn.execute("UPDATE steps SET action = 'mial' WHERE step_key = ?", (key,))
    # Asked for by action, the step would quietly lose its card: C004 would get none.
    result = invoke("render", "--config", EXAMPLE_CONFIG, "--db", db, "--out", tmp_path / "out")
    clean_failure(result, 1, str(db), "steps", key, "action", "'mial'", "mail, call, skip")
    assert not (tmp_path / "out").exists()


def test_a_ledger_held_by_another_process_is_busy_not_broken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "mailer.db"
    assert plan(db).exit_code == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "c.execute('BEGIN EXCLUSIVE')\nprint('held', flush=True)\ntime.sleep(60)\n",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setattr("mailer.ledger.schema.BUSY_TIMEOUT_S", 0.3)
        result = plan(db, today="2026-11-23")
    finally:
        holder.kill()
        holder.wait()
    # Busy, like a drawing lock held too long: exit 5 (README, "Exit codes").
    clean_failure(result, 5, str(db), "stayed busy", "another mailer command")
    never_a_new_ledger(result)


def test_a_date_typed_by_hand_met_while_planning_names_the_step_not_the_person(
    tmp_path: Path,
) -> None:
    db = tmp_path / "mailer.db"
    assert plan(db).exit_code == 0
    with sqlite3.connect(db) as conn:
        (key,) = conn.execute("SELECT step_key FROM steps WHERE contact_id = 'C004'").fetchone()
        conn.execute("UPDATE steps SET send_date = '11/23/2026' WHERE step_key = ?", (key,))
    rows = EXAMPLE_CALLS.read_text(encoding="utf-8").splitlines()
    later = tmp_path / "later.csv"
    c004 = next(r for r in rows if r.startswith("C004,"))
    later.write_text(rows[0] + "\n" + c004.replace("2026-11-21", "2026-11-28") + "\n", "utf-8")
    result = plan(db, later, today="2026-11-28")
    clean_failure(result, 1, str(db), f"WHERE step_key = '{key}'", "'11/23/2026'")
    assert "WHERE contact_id" not in result.stderr


def test_a_write_error_keeps_its_hint_across_processes() -> None:
    # Raised in a drawing worker, it reaches the parent pickled: the way out must come along.
    import pickle

    from mailer.errors import WriteError

    error = pickle.loads(pickle.dumps(WriteError("can't write x: the disk is full", "free space")))
    assert (type(error), error.message, error.hint) == (
        WriteError,
        "can't write x: the disk is full",
        "free space",
    )
