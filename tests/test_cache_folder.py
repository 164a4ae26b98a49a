"""The cache folder's own choices: folders made for this user alone whatever the umask, and
a folder that can't be named passed over, never a reason for a command to fail."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mailer import cache_folder


def test_folders_made_under_a_umask_of_002_are_this_users_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`MAILER_CACHE_DIR` holds the fonts itself: made as the parent of the first other part
    kept, it must not come out group-writable, or no font kept in it is ever read back."""
    chosen = tmp_path / "made" / "cache"
    monkeypatch.setenv(cache_folder.CACHE_ENV, str(chosen))
    tables = cache_folder.part_dir("tables")
    fonts = cache_folder.cache_dir("fonts")
    assert tables is not None
    assert fonts is not None
    before = os.umask(0o002)
    try:
        cache_folder.keep(tables / "first.json", b"[]")
        cache_folder.keep(fonts / "pen.ttf", b"a font")
    finally:
        os.umask(before)
    for folder in (tmp_path / "made", chosen, tables):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert cache_folder.whole(cache_folder.read_kept(fonts / "pen.ttf")) == b"a font"


HELP_IN_A_REMOVED_FOLDER = """
import os, sys
os.chdir(sys.argv[1])
os.rmdir(sys.argv[1])
sys.argv = ["mailer", "--help"]
from mailer.cli import main
main()
"""


def test_a_relative_cache_folder_in_a_removed_working_folder_is_passed_over(
    tmp_path: Path,
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    env = os.environ | {cache_folder.CACHE_ENV: "relative-cache", "COLUMNS": "80"}
    done = subprocess.run(
        [sys.executable, "-c", HELP_IN_A_REMOVED_FOLDER, str(gone)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "Usage" in done.stdout
