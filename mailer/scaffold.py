"""`mailer init`: starter files a seller edits, never overwriting anything."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from mailer.errors import MailerError


@dataclass
class ScaffoldResult:
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def scaffold(directory: Path) -> ScaffoldResult:
    """Write mailer.toml, calls_sample.csv and templates/ into `directory`."""
    from mailer.drawing.templates import builtin_templates_dir

    if directory.exists() and not directory.is_dir():
        raise MailerError(f"{directory} is a file", hint="give a folder for the starter files")
    result = ScaffoldResult()
    data = resources.files("mailer") / "data"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name in ("mailer.toml", "calls_sample.csv"):
            _copy_new((data / name).read_bytes(), directory / name, result)
        source = builtin_templates_dir()
        for path in sorted(source.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                _copy_new(
                    path.read_bytes(), directory / "templates" / path.relative_to(source), result
                )
    except OSError as exc:
        raise MailerError(
            f"can't write starter files into {directory}: {exc.strerror}",
            hint="choose a folder you can write to",
        ) from None
    return result


def _copy_new(content: bytes, target: Path, result: ScaffoldResult) -> None:
    if target.exists():
        result.kept.append(target)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    # "x" mode: if another process created it meanwhile, we still never overwrite.
    with target.open("xb") as f:
        f.write(content)
    result.written.append(target)
