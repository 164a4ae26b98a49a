"""The methods `@dataclass` writes for mailer's classes, kept compiled between runs: the
same code as a compile of the same text, read back when whole and safely ours, written
whole when two commands end at once, and never a reason for a command to fail."""

from __future__ import annotations

import dataclasses
import hashlib
import marshal
import os
import subprocess
import sys
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailer import kept_methods
from tests.builders import render_cold_and_warm

MAKE_CLASSES = """
import sys
from mailer import kept_methods
kept_methods.use()
import mailer.config, mailer.domain.models, mailer.ledger.store, mailer.drawing.layout
print(len(kept_methods._new), len(kept_methods._table()))
kept_methods.keep_new()
"""
"""A process that makes the classes of a few of mailer's modules, prints how many texts it
compiled and how many it knows, and keeps what it compiled."""


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """This process as a new one with its cache in `tmp_path/cache`, and a module of
    mailer's to make classes in (`_make_class`); put back afterwards."""
    monkeypatch.setenv("MAILER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setitem(sys.modules, MODULE, types.ModuleType(MODULE))
    # As the command line does (`kept_methods.use()`), undone after the test.
    monkeypatch.setattr(dataclasses, "exec", kept_methods._run, raising=False)
    kept_methods.forget()
    yield tmp_path / "cache"
    kept_methods.forget()


def _kept_file(cache: Path) -> Path:
    path = kept_methods.kept_path()
    assert path is not None
    assert path.parent == cache / "methods"
    return path


def _kept_table(path: Path) -> dict[str, object]:
    table = marshal.loads(path.read_bytes()[:-32])
    assert isinstance(table, dict)
    return table


MODULE = "mailer.kept_test"


def _make_class(field_name: str) -> Any:
    """A frozen dataclass made as if in one of mailer's modules (its texts are kept)."""
    namespace = {"__module__": MODULE, "__annotations__": {field_name: "int"}}
    return dataclasses.dataclass(frozen=True)(type("Made", (), namespace))


def test_kept_code_is_the_code_a_compile_of_the_text_gives(tmp_path: Path) -> None:
    env = {**os.environ, "MAILER_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-c", MAKE_CLASSES]
    first = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    (path,) = (tmp_path / "cache" / "methods").iterdir()
    table = _kept_table(path)
    compiled, known = map(int, first.stdout.split())
    assert compiled == known == len(table) > 100  # the config's and the domain's, at least
    for text, code in table.items():
        assert isinstance(text, str)
        # What `exec(text)` compiles inside `dataclasses`: no `__future__` flag inherited.
        assert code == compile(text, "<string>", "exec", dont_inherit=True)
    # A second process compiles nothing: every text is found, and the file is left alone.
    before = path.stat().st_mtime_ns
    again = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    assert again.stdout.split() == ["0", str(known)]
    assert path.stat().st_mtime_ns == before


def test_a_class_made_from_kept_code_behaves_as_one_compiled(fresh: Path) -> None:
    compiled = _make_class("size")
    kept_methods.keep_new()
    kept_methods.forget()  # a new process: the next class reads the file
    made = _make_class("size")
    assert kept_methods._new == {}  # nothing compiled: all from the file
    for name in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__"):
        assert getattr(made, name).__code__ == getattr(compiled, name).__code__, name
    one, other = made(size=4), made(size=4)
    assert (one == other, hash(one) == hash(other), repr(one)) == (True, True, "Made(size=4)")
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.size = 5
    assert [f.name for f in dataclasses.fields(made)] == ["size"]


def test_only_mailers_own_classes_are_kept(fresh: Path) -> None:
    @dataclasses.dataclass(frozen=True)
    class Elsewhere:  # made in this test module, not one of mailer's
        weight: int

    assert Elsewhere(3) == Elsewhere(3)
    # Compiled as `dataclasses` compiles it: no `__future__` flag of the hook's module, so
    # its `__init__`'s annotations are the types (here the text "int" this module wrote).
    assert typing.get_type_hints(Elsewhere.__init__) == {"weight": int, "return": type(None)}
    assert kept_methods._new == {}
    kept_methods.keep_new()
    assert not (fresh / "methods").exists()


def test_a_damaged_file_is_compiled_past_and_replaced(fresh: Path) -> None:
    _make_class("width")
    kept_methods.keep_new()
    path = _kept_file(fresh)
    whole = path.read_bytes()
    damaged = [whole[: len(whole) // 2], whole[:-1] + bytes([whole[-1] ^ 1]), b"", b"\0" * 40]
    # Whole by its digest, but not texts to code (another layout): never handed to `exec`.
    other = marshal.dumps(dict.fromkeys(_kept_table(path), "not code"))
    damaged.append(other + hashlib.sha256(other).digest())
    for found in damaged:
        path.write_bytes(found)
        kept_methods.forget()
        made = _make_class("width")
        assert len(kept_methods._new) == 6  # compiled again, none of it run from the file
        assert made(width=2) == made(width=2)
        kept_methods.keep_new()
        assert path.read_bytes() == whole  # replaced by a whole one


def test_a_file_others_may_write_is_never_run(fresh: Path) -> None:
    _make_class("depth")
    kept_methods.keep_new()
    path = _kept_file(fresh)
    path.chmod(0o666)
    kept_methods.forget()
    _make_class("depth")
    assert len(kept_methods._new) == 6


def test_a_cache_that_cant_be_written_only_costs_the_compile(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = fresh.parent / "blocked"
    blocked.write_text("a file where the folder would be")
    monkeypatch.setenv("MAILER_CACHE_DIR", str(blocked / "cache"))
    made = _make_class("height")
    kept_methods.keep_new()  # nothing raised
    assert made(height=1) == made(height=1)
    kept_methods.forget()
    _make_class("height")
    assert len(kept_methods._new) == 6  # compiled again: nothing could be kept


def test_past_the_limit_only_the_texts_a_run_used_are_kept(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _make_class("retired_field")
    kept_methods.keep_new()
    kept_methods.forget()
    monkeypatch.setattr(kept_methods, "_MOST", 7)
    _make_class("current_field")  # 6 texts of its own, 12 in all with the old class's
    kept_methods.keep_new()
    texts = _kept_table(_kept_file(fresh))
    assert len(texts) == 6
    assert all("retired_field" not in text for text in texts)


def test_two_commands_ending_at_once_leave_a_whole_file(tmp_path: Path) -> None:
    """Each writes a whole file under a name of its own and renames it into place: the file
    read afterwards is one of the two, never a mix."""
    env = {**os.environ, "MAILER_CACHE_DIR": str(tmp_path / "cache")}
    runs = [
        subprocess.Popen([sys.executable, "-c", MAKE_CLASSES], env=env, stdout=subprocess.PIPE)
        for _ in range(4)
    ]
    assert all(run.wait() == 0 for run in runs)
    (path,) = (tmp_path / "cache" / "methods").iterdir()
    table = _kept_table(path)
    assert all(code == compile(text, "<string>", "exec", dont_inherit=True)
               for text, code in table.items())  # fmt: skip
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no stray parts


def test_cards_drawn_with_kept_methods_are_the_same_bytes(tmp_path: Path) -> None:
    """A first `mailer render` compiles the methods and keeps them, a second runs them from
    the file: the same cards, and nothing new compiled by the second."""
    cache = tmp_path / "cache"
    cold, warm = render_cold_and_warm(tmp_path, cache)
    (path,) = (cache / "methods").iterdir()
    drawn = [[(p.relative_to(run).as_posix(), p.read_bytes()) for p in sorted(run.rglob("*.*"))]
             for run in (cold, warm)]  # fmt: skip
    assert len([name for name, _ in drawn[0] if name.endswith(".pdf")]) == 2
    assert drawn[0] == drawn[1]
    # The warm run compiled nothing new: the file is the cold run's (a rewrite would have
    # a new modification time, and a new text would change its bytes).
    assert path.stat().st_mtime_ns < (warm / "manifest.csv").stat().st_mtime_ns


def test_a_program_that_imports_the_library_keeps_dataclasses_as_it_is() -> None:
    """Only the command line has `dataclasses` run its methods from kept code: a program
    that imports the library, even all of its main job, is left with the module as it is."""
    code = "import dataclasses, mailer.session; print(hasattr(dataclasses, 'exec'))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
    code = "import dataclasses, mailer.cli; print(dataclasses.exec.__module__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "mailer.kept_methods"
