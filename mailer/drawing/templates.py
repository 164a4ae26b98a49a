"""Card templates: where they live, the variables they see, and rendering their text.

A template is a folder holding `card.toml` (layout, see `style`), `front.j2` (named blocks:
greeting, headline, body, deadline, signature) and `message.j2` (the handwritten note on the
back). Jinja2 runs sandboxed with `StrictUndefined` and no autoescape: the output is text, and
a template can neither reach Python internals nor silently print a blank. Any failure becomes
`TemplateError` naming the template, the file, the line and the contact.

Built-ins live in the top-level `templates/` folder of the source tree; an installed wheel
carries the same files as `mailer/templates_builtin/` (see `builtin_templates_dir`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, partial
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from mailer.config import Config
from mailer.drawing.style import FRONT_BLOCKS, CardStyle, load_style
from mailer.drawing.template_cache import KeptBytecode
from mailer.errors import ConfigError, TemplateError

FILES = ("card.toml", "front.j2", "message.j2")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def builtin_templates_dir() -> Path:
    """The folder of built-in templates: inside the installed package when the wheel carries
    them, else the source tree's top-level `templates/`."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "templates_builtin", package.parent / "templates"):
        if (candidate / "offer" / "card.toml").is_file():
            return candidate
    raise TemplateError(
        "the built-in card templates are missing from this installation",
        hint="reinstall mailer, or set templates.dir in mailer.toml to your own templates",
    )


def template_dirs(config: Config) -> tuple[Path, ...]:
    """Folders searched for templates, first match wins: the user's, then the built-ins. A
    `templates.dir` that is not a folder is an error, never a quiet fall-back to the
    built-ins (the cards would not be the ones the seller edited)."""
    user = config.templates_dir
    builtin = builtin_templates_dir()
    if user is None:
        return (builtin,)
    if not user.is_dir():
        raise ConfigError(
            f"{config.source or 'mailer.toml'}: 'templates.dir' is {config.templates.dir!r}, "
            f"and {user} is not a folder",
            hint="fix the path (relative to the folder of mailer.toml), run `mailer init` "
            "there to write the templates, or remove templates.dir to use the built-ins",
        )
    return (user, builtin)


def check_template_folders(config: Config) -> None:
    """The seller's own templates, checked once before any card is drawn: a folder holding
    a template's text but no `card.toml` (it would otherwise be passed over for the built-in
    of the same name), or a `card.toml` that can't be read, stops the run with one error
    instead of failing every card."""
    user = template_dirs(config)[0]
    if user == builtin_templates_dir():
        return
    for folder in sorted(p for p in user.iterdir() if p.is_dir()):
        if (folder / "card.toml").is_file():
            load_style(folder / "card.toml")
            missing = [f for f in FILES if not (folder / f).is_file()]
            if missing:
                raise TemplateError(
                    f"{folder}: the template has no {' or '.join(missing)}",
                    hint="each template folder needs card.toml, front.j2 and message.j2: "
                    "copy the missing file from another template (`mailer init` writes them)",
                )
        elif any((folder / f).exists() for f in FILES):
            raise _no_card_toml(folder)


def _no_card_toml(folder: Path) -> TemplateError:
    return TemplateError(
        f"template folder {folder} has no card.toml",
        hint=f"add its card.toml (`mailer init` in an empty folder writes one to copy), or "
        f"remove the folder to use the built-in '{folder.name}'",
    )


def available_templates(config: Config) -> dict[str, Path]:
    """Every template name and the folder it comes from (user folders override)."""
    found: dict[str, Path] = {}
    for root in reversed(template_dirs(config)):
        if root.is_dir():
            for folder in sorted(root.iterdir()):
                if (folder / "card.toml").is_file():
                    found[folder.name] = folder
    return dict(sorted(found.items()))


def find_template(name: str, config: Config) -> Path:
    if not _NAME.fullmatch(name):
        raise TemplateError(
            f"template name {name!r} is not valid",
            hint="use letters, digits, '-' and '_' only",
        )
    for root in template_dirs(config):
        folder = root / name
        if (folder / "card.toml").is_file():
            return folder
        if folder.is_dir():
            raise _no_card_toml(folder)
    names = ", ".join(available_templates(config)) or "none"
    raise TemplateError(
        f"template '{name}' not found",
        hint=f"available templates: {names}; add a folder {name}/ with "
        f"{', '.join(FILES)} to your templates.dir",
    )


# ---- filters -------------------------------------------------------------------------------


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    from mailer.domain.datetext import iso_date  # a date given as text: rare on a card

    if isinstance(value, str) and (day := iso_date(value)) is not None:
        return day
    raise ValueError(f"{value!r} is not a date")


def friendly(value: object) -> str:
    """`Monday, November 30`."""
    d = _as_date(value)
    return f"{_DAYS[d.weekday()]}, {_MONTHS[d.month - 1]} {d.day}"


def short(value: object) -> str:
    """`Mon, Nov 30`."""
    d = _as_date(value)
    return f"{_DAYS[d.weekday()][:3]}, {_MONTHS[d.month - 1][:3]} {d.day}"


def greeting(first_name: object, salutation: str = "Dear", fallback: str = "Hello there") -> str:
    """`Dear Mary`, or `Hello there` when there is no first name."""
    name = str(first_name or "").strip()
    return f"{salutation} {name}" if name else fallback


FILTERS: Mapping[str, Callable[..., str]] = {
    "friendly": friendly,
    "short": short,
    "greeting": greeting,
}


class Fields(dict[str, Any]):
    """A template variable's fields (`contact`, `sender`, ...), named so that a misspelt
    field says which variable it was looked up on and what it has."""

    def __init__(self, label: str, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self._mailer_label = label


class FieldsUndefined(jinja2.StrictUndefined):
    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        owner = self._undefined_obj
        if isinstance(owner, Fields) and self._undefined_hint is None:
            known = ", ".join(sorted(k for k in owner if k.isidentifier()))
            return f"{owner._mailer_label} has no field {self._undefined_name!r} (it has: {known})"
        return str(super()._undefined_message)


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, with a field of `Fields` (`contact.first_name`) read as the item it
    is. The sandbox asks for an attribute first, and a dict raises and formats an
    `AttributeError` for it before the item is read: about twenty a card. A name that is
    an attribute of `Fields` (`items`, `get`) is still the attribute, as in Jinja."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if (
            type(obj) is Fields
            and attribute not in _FIELDS_ATTRIBUTES
            and attribute not in obj.__dict__  # one set on it (`_mailer_label`), as Jinja
        ):
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


_FIELDS_ATTRIBUTES = frozenset(dir(Fields))
"""What `getattr` finds on every `Fields`: its class's attributes."""


@cache
def sandbox(*folders: Path) -> SandboxedEnvironment:
    """The Jinja environment for templates found in `folders` (first match wins): cards and
    call scripts alike."""
    env = _Sandbox(
        loader=jinja2.FileSystemLoader([str(f) for f in folders], encoding="utf-8"),
        undefined=FieldsUndefined,
        autoescape=False,
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        # Compiled once, kept on disk: every later run skips Jinja's compile.
        bytecode_cache=KeptBytecode(SandboxedEnvironment.__qualname__),
    )
    env.filters.update(FILTERS)
    return env


# ---- rendering -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CardText:
    """A card's rendered text: front blocks by name (empty blocks left out) and the message."""

    front: Mapping[str, str]
    message: str


class CardTemplate:
    """One template folder, its style and its compiled Jinja files (compiled on first use,
    then cached for the life of the process)."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.folder = folder
        self.style: CardStyle = load_style(folder / "card.toml")
        self._env = sandbox(folder)
        self._compiled: dict[str, jinja2.Template] = {}
        """Each file once compiled, asked of Jinja's own cache no more (a lookup under a
        lock, on every card)."""
        self._checked: jinja2.Template | None = None
        """The compiled front whose blocks were found to be the ones a front has."""

    def render(self, context: dict[str, Any], contact_id: str) -> CardText:
        front = self._compile("front.j2", contact_id)
        if front is not self._checked:  # its blocks checked once, not on every card
            unknown = sorted(set(front.blocks) - set(FRONT_BLOCKS))
            if unknown or not front.blocks:
                raise TemplateError(
                    f"template '{self.name}' ({self.folder / 'front.j2'}): "
                    + (f"unknown block '{unknown[0]}'" if unknown else "no blocks defined"),
                    hint=f"front.j2 defines blocks named {', '.join(FRONT_BLOCKS)}",
                )
            self._checked = front
        rendered: dict[str, str] = {}
        ctx = front.new_context(context)  # a copy of `context`: not shared
        for block, render in front.blocks.items():
            ctx.blocks[block] = [partial(_capture, block, render, rendered)]
        # The whole file runs, as Jinja would run it, so a `{% set %}` or a macro above the
        # blocks is seen inside them; each block's text is kept apart instead of joined.
        outside = self._run("front.j2", contact_id, lambda: front.root_render_func(ctx))
        if outside.strip():
            stray = " ".join(outside.split())
            raise TemplateError(
                f"template '{self.name}' ({self.folder / 'front.j2'}): text outside the "
                f"blocks is never printed: {stray[:60]!r}",
                hint="put front text inside a block ("
                + ", ".join(FRONT_BLOCKS)
                + "); outside the blocks use only {% set %}, macros and {# comments #}",
            )
        texts = {b: rendered[b].strip() for b in FRONT_BLOCKS if rendered.get(b, "").strip()}
        return CardText(front=texts, message=self.render_message(context, contact_id))

    def render_message(self, context: dict[str, Any], contact_id: str) -> str:
        """The back's handwritten note alone (what `render` gives as `message`): enough to
        know a note's length without running the front."""
        message = self._compile("message.j2", contact_id)
        body = self._run(
            "message.j2",
            contact_id,
            lambda: message.root_render_func(message.new_context(context)),
        )
        return body.strip("\n")

    def _compile(self, file: str, contact_id: str) -> jinja2.Template:
        compiled = self._compiled.get(file)
        if compiled is None:
            compiled = self._compiled[file] = self._load(file, contact_id)
        return compiled

    def _load(self, file: str, contact_id: str) -> jinja2.Template:
        try:
            return self._env.get_template(file)
        except jinja2.TemplateSyntaxError as exc:
            raise self._error(
                file, exc.lineno, contact_id, f"syntax error: {exc.message}"
            ) from None
        except jinja2.TemplateNotFound:
            raise TemplateError(
                f"template '{self.name}': {self.folder / file} is missing",
                hint=f"a template folder holds {', '.join(FILES)}",
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise self._error(file, None, contact_id, f"can't read: {exc}") from None

    def _run(self, file: str, contact_id: str, render: Callable[[], Any]) -> str:
        try:
            return "".join(render())
        except Exception as exc:  # any failure inside a user's template names the card
            line = template_line(self._env, str(self.folder / file))
            detail = describe_failure(exc)
            raise self._error(file, line, contact_id, detail) from None

    def _error(self, file: str, line: int | None, contact_id: str, detail: str) -> TemplateError:
        where = f"{self.folder / file}" + (f", line {line}" if line else "")
        return TemplateError(
            f"template '{self.name}' ({where}) for contact {contact_id}: {detail}",
            hint="variables: contact, sender, offer, card, step (offer and card only on sales "
            "cards); filters: friendly, short, greeting; see templates/README.md",
        )


def _capture(
    name: str,
    render: Callable[[Context], Iterator[str]],
    into: dict[str, str],
    context: Context,
) -> Iterator[str]:
    """A front block as the file's own code calls it: its text goes to `into`, not into the
    file's output."""
    into[name] = "".join(render(context))
    return iter(())


def template_line(env: jinja2.Environment, filename: str) -> int | None:
    """The template line of the failure: Jinja rewrites the traceback so that frames of
    template code carry the template's file name and line."""
    try:
        env.handle_exception()
    except BaseException as rewritten:  # handle_exception always re-raises
        tb: TracebackType | None = rewritten.__traceback__
        line = None
        while tb is not None:
            if Path(tb.tb_frame.f_code.co_filename) == Path(filename):
                line = tb.tb_lineno
            tb = tb.tb_next
        return line


def describe_failure(exc: BaseException) -> str:
    if isinstance(exc, jinja2.UndefinedError):
        return f"undefined variable: {exc.message}"
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return f"not allowed in a template: {exc}"
    return f"{type(exc).__name__}: {exc}"


@cache
def _load(name: str, folder: Path) -> CardTemplate:
    return CardTemplate(name, folder)


def load_template(name: str, config: Config) -> CardTemplate:
    """The template `name` (the user's folder first, then the built-ins), cached."""
    return _load(name, find_template(name, config).resolve())
