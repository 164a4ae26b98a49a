"""Compiled templates kept on disk between runs: read back when whole and made for this
text, Jinja and Python; compiled again otherwise; never a reason for a run to fail."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import sys
from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest
from jinja2.bccache import Bucket, bc_magic

from mailer.drawing import template_cache
from mailer.drawing.templates import sandbox
from tests.builders import render_cold_and_warm


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the templates Jinja compiles from their text from now on, each in a
    fresh environment (as a new process has)."""
    names: list[str] = []
    compile_text = jinja2.Environment.compile

    def counted(
        self: jinja2.Environment, source: str, name: str | None = None, filename: str | None = None
    ) -> object:
        names.append(str(name))
        return compile_text(self, source, name, filename)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    sandbox.cache_clear()
    yield names
    sandbox.cache_clear()


def _render(folder: Path, name: str = "note.j2") -> str:
    sandbox.cache_clear()  # a new environment each time, as in a new process
    return sandbox(folder).get_template(name).render(first="Ngozi")


def _kept_once(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The one compiled template kept after `note.j2` ("Hi {{ first }}") in `folder` is
    drawn once with the cache in `folder/cache`."""
    monkeypatch.setenv("MAILER_CACHE_DIR", str(folder / "cache"))
    (folder / "note.j2").write_text("Hi {{ first }}")
    _render(folder)
    (kept,) = (folder / "cache" / "templates").iterdir()
    return kept


def test_a_template_compiled_once_is_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compiles: list[str]
) -> None:
    monkeypatch.setenv("MAILER_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "note.j2").write_text("Hi {{ first }}, {{ 'see you' | upper }}!")
    assert _render(tmp_path) == "Hi Ngozi, SEE YOU!"
    assert compiles == ["note.j2"]
    assert len(list((tmp_path / "cache" / "templates").iterdir())) == 1
    assert _render(tmp_path) == "Hi Ngozi, SEE YOU!"
    assert compiles == ["note.j2"]  # the second environment compiled nothing
    # A changed text is compiled again, never run from the old code.
    (tmp_path / "note.j2").write_text("Bye {{ first }}.")
    assert _render(tmp_path) == "Bye Ngozi."
    assert compiles == ["note.j2", "note.j2"]
    assert _render(tmp_path) == "Bye Ngozi."
    assert len(compiles) == 2


def test_another_jinja_release_compiles_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compiles: list[str]
) -> None:
    monkeypatch.setenv("MAILER_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "note.j2").write_text("Hi {{ first }}")
    _render(tmp_path)
    monkeypatch.setattr(jinja2, "__version__", "99.0.0")
    assert _render(tmp_path) == "Hi Ngozi"
    assert len(compiles) == 2
    assert len(list((tmp_path / "cache" / "templates").iterdir())) == 2


@pytest.mark.parametrize("damage", ["cut", "changed", "empty", "a folder"])
def test_a_damaged_kept_template_is_compiled_again_and_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compiles: list[str], damage: str
) -> None:
    kept = _kept_once(tmp_path, monkeypatch)
    whole = kept.read_bytes()
    if damage == "cut":
        kept.write_bytes(whole[: len(whole) // 2])
    elif damage == "changed":
        kept.write_bytes(whole[:-40] + bytes([whole[-40] ^ 1]) + whole[-39:])
    elif damage == "empty":
        kept.write_bytes(b"")
    else:
        kept.unlink()
        kept.mkdir()
    assert _render(tmp_path) == "Hi Ngozi"
    assert len(compiles) == 2
    if damage != "a folder":
        assert kept.read_bytes() == whole


def test_a_cache_folder_that_cant_be_written_only_costs_the_compile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compiles: list[str]
) -> None:
    blocked = tmp_path / "a file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("MAILER_CACHE_DIR", str(blocked / "cache"))
    (tmp_path / "note.j2").write_text("Hi {{ first }}")
    assert _render(tmp_path) == "Hi Ngozi"
    assert _render(tmp_path) == "Hi Ngozi"
    assert len(compiles) == 2
    assert blocked.read_text() == "not a folder"


def test_the_templates_are_kept_beside_the_fonts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MAILER_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if sys.platform != "win32":
        assert template_cache.templates_dir() == tmp_path / "mailer" / "templates"
    monkeypatch.setenv("MAILER_CACHE_DIR", str(tmp_path / "mine"))
    assert template_cache.templates_dir() == tmp_path / "mine" / "templates"


def test_cards_drawn_with_kept_templates_are_the_same_bytes(tmp_path: Path) -> None:
    """A first run compiles the templates, a second reads them back: the same cards, and a
    template error still names its line (the kept code keeps the template's lines)."""
    folders = render_cold_and_warm(tmp_path, tmp_path / "cache")
    drawn = [[(p.name, p.read_bytes()) for p in sorted((f / "cards").glob("*.pdf"))]
             for f in folders]  # fmt: skip
    assert len(drawn[0]) == 2
    assert drawn[0] == drawn[1]
    assert list((tmp_path / "cache" / "templates").glob("*.jinja"))


def test_a_failing_template_run_from_kept_code_names_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailer.drawing.templates import CardTemplate
    from mailer.errors import TemplateError

    monkeypatch.setenv("MAILER_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "thanks"
    folder.mkdir()
    builtin = Path(__file__).resolve().parent.parent / "templates" / "offer"
    (folder / "card.toml").write_text((builtin / "card.toml").read_text())
    (folder / "front.j2").write_text("{% block headline %}Thank you{% endblock %}")
    (folder / "message.j2").write_text("Hi {{ contact.first_name }},\n{{ contact.nickname }}\n")
    for _ in range(2):  # compiled, then read back
        sandbox.cache_clear()
        with pytest.raises(TemplateError) as raised:
            CardTemplate("thanks", folder).render(
                {"contact": {"first_name": "Ngozi"}}, contact_id="C002"
            )
        assert "message.j2, line 2" in raised.value.message
    assert len(list((tmp_path / "cache" / "templates").iterdir())) == 2


def _plant(kept: Path, marker: Path) -> None:
    """Replace the kept template with code that leaves `marker`, under the same checksum of
    the text and with a good digest: what someone else who may write the file could do."""
    data = kept.read_bytes()[:-32]
    found = io.BytesIO(data)
    assert found.read(len(bc_magic)) == bc_magic
    bucket = Bucket(jinja2.Environment(), "planted", pickle.load(found))
    bucket.code = compile(f"open({str(marker)!r}, 'w').close()", "planted", "exec")
    planted = bucket.bytecode_to_string()
    kept.write_bytes(planted + hashlib.sha256(planted).digest())


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="no owners or modes here")
@pytest.mark.parametrize(
    "whose", ["ours", "file others may write", "folder others may write", "a link", "owned"]
)
def test_a_kept_template_someone_else_may_write_is_never_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, whose: str
) -> None:
    kept = _kept_once(tmp_path, monkeypatch)
    assert kept.stat().st_mode & 0o777 == 0o600
    assert kept.parent.stat().st_mode & 0o777 == 0o700
    marker = tmp_path / "ran"
    _plant(kept, marker)
    if whose == "ours":  # the planted code is real: it runs when the file is trusted
        with contextlib.suppress(Exception):
            _render(tmp_path)
        assert marker.exists()
        return
    if whose == "file others may write":
        kept.chmod(0o622)
    elif whose == "folder others may write":
        kept.parent.chmod(0o777)
    elif whose == "a link":
        kept.rename(tmp_path / "elsewhere")
        kept.symlink_to(tmp_path / "elsewhere")
    else:
        if os.geteuid() != 0:
            pytest.skip("only root gives a file to another user")
        os.chown(kept, 4321, 4321)
    assert _render(tmp_path) == "Hi Ngozi"
    assert not marker.exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_where_a_kept_template_was_is_not_waited_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compiles: list[str]
) -> None:
    kept = _kept_once(tmp_path, monkeypatch)
    kept.unlink()
    os.mkfifo(kept)
    assert _render(tmp_path) == "Hi Ngozi"
    assert len(compiles) == 2


def test_a_cache_folder_naming_an_unknown_home_only_costs_the_compile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compiles: list[str]
) -> None:
    monkeypatch.setenv("MAILER_CACHE_DIR", "~no-such-user-of-mailer/cache")
    (tmp_path / "note.j2").write_text("Hi {{ first }}")
    assert _render(tmp_path) == "Hi Ngozi"
    assert _render(tmp_path) == "Hi Ngozi"
    assert len(compiles) == 2
