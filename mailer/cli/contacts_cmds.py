"""`mailer contacts import|list|show|edit`: the contact book."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from mailer.cli.common import (
    ConfigOption,
    DbOption,
    ExitCode,
    TodayOption,
    counted,
    err,
    handles_errors,
    hint,
    next_step,
    open_ledger,
    out,
    resolve_today,
    warn,
)
from mailer.cli.helptext import Command, Group

if TYPE_CHECKING:
    from mailer.domain.contact_book import Contact

app = typer.Typer(
    name="contacts",
    cls=Group,
    help="The contact book: names and addresses for call rows that lack them.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

MAX_LISTED = 25


@app.command("import", cls=Command)
@handles_errors
def import_(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Contact files: vCard (.vcf), Google or Outlook CSV, or a sheet (.csv, .xlsx).",
            metavar="FILE...",
            show_default=False,
            dir_okay=False,
        ),
    ],
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Read contact files into the contact book. Importing the same file again adds
    nothing; every entry is imported, skipped or rejected with its line number."""
    from mailer.contacts.book import import_contacts

    day = resolve_today(today)
    with open_ledger(db, config) as ledger:
        report = import_contacts(files, ledger, day)
    for f in report.files:
        for notice in f.notices[:MAX_LISTED]:
            warn(str(notice))
        err.print(
            f"{escape(f.file)}: read as {f.kind}, {counted(len(f.entries), 'entry', 'entries')}"
        )
    for file, line, why in report.skipped[:MAX_LISTED]:
        err.print(f"[dim]skipped[/dim] {escape(f'{file}:{line}')}: {escape(why)}")
    for file, line, why in report.rejected[:MAX_LISTED]:
        err.print(f"[red]rejected[/red] {escape(f'{file}:{line}')}: {escape(why)}")
    rejected = report.rejected
    lines = ", ".join(f"{Path(f).name}:{n}" for f, n, _ in rejected[:MAX_LISTED])
    err.print(
        f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.skipped)} skipped, {len(rejected)} rejected"
        + (f" ({lines})" if rejected else ""),
        markup=False,
    )
    if rejected:
        hint("fix the rejected entries and import the file again; the others won't be repeated")
        raise typer.Exit(ExitCode.PARTIAL)
    next_step("`mailer plan CALLS.csv` now fills names and addresses from the book")


@app.command("list", cls=Command)
@handles_errors
def list_(today: TodayOption = None, config: ConfigOption = None, db: DbOption = None) -> None:
    """Every entry of the contact book, by last name."""
    from rich.table import Table

    resolve_today(today)  # the common options are accepted everywhere; a list has no dates
    with open_ledger(db, config, create=False) as ledger:
        entries = ledger.contacts()
    if not entries:
        err.print("the contact book is empty")
        next_step("`mailer contacts import contacts.vcf` fills it")
        return
    table = Table(title="Contact book", title_justify="left", expand=False)
    table.add_column("id", no_wrap=True, max_width=16, overflow="ellipsis")
    table.add_column("name", max_width=20, overflow="fold")
    table.add_column("phone", no_wrap=True, max_width=16, overflow="ellipsis")
    table.add_column("address", overflow="fold", min_width=16, ratio=1)
    for entry in entries:
        table.add_row(
            escape(entry.contact_id),
            escape(entry.name),
            escape(entry.phone),
            escape(_address_text(entry)),
        )
    out.print(table, width=min(out.width, 80))
    err.print(counted(len(entries), "contact"))


@app.command("show", cls=Command)
@handles_errors
def show(
    contact: Annotated[str, typer.Argument(help="The entry's id (see `mailer contacts list`).")],
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """One entry, the calls recorded for that person and their cards (a contact known only
    from call logs too, by the id they had there)."""
    from mailer.contacts.book import linked_ids
    from mailer.errors import InputError
    from mailer.followups.wording import ordinal

    resolve_today(today)  # the common options are accepted everywhere; this shows the record
    with open_ledger(db, config, create=False) as ledger:
        entry = ledger.contact(contact)
        activity = ledger.activity(linked_ids(ledger, entry) if entry else {contact})
        called = None if entry else ledger.called_name(contact)
    if entry is None and not (activity.calls or activity.cards):
        raise InputError(
            f"no contact {contact!r} in the contact book or the calls recorded",
            hint="`mailer contacts list` shows the book's ids; a call log's ids work too",
        )
    if entry is not None:
        _show_entry(entry)
    else:
        out.print(f"[bold]{'id':>9}[/bold]  {escape(contact)}")
        if called:
            out.print(f"[bold]{'name':>9}[/bold]  {escape(called)}")
        out.print(f"[bold]{'from':>9}[/bold]  call logs only (not in the contact book)")
    out.print("\n[bold]calls[/bold]" if activity.calls else "\nno calls recorded")
    for at, outcome, file, row, attempt in activity.calls:
        when = f"{at:%Y-%m-%d %H:%M}"
        which = f"  {ordinal(attempt)} attempt" if attempt else ""
        out.print(
            f"  {when}  {outcome.replace('_', ' ')}  ({escape(Path(file).name)}:{row}){which}"
        )
    out.print("[bold]cards[/bold]" if activity.cards else "no cards")
    for template, send, status in activity.cards:
        out.print(f"  {escape(template)}  {send or '-'}  {status}")


def _show_entry(entry: Contact) -> None:
    rows = [
        ("id", entry.contact_id),
        ("name", entry.name),
        ("phone", entry.phone),
        ("email", entry.email),
        ("address", _address_text(entry)),
        ("birthday", entry.birthday.isoformat() if entry.birthday else ""),
        ("from", f"{entry.source_file}:{entry.source_line}" if entry.source_file else ""),
        ("updated", entry.updated_at.isoformat() if entry.updated_at else ""),
        ("corrected", entry.edited_at.isoformat() if entry.edited_at else ""),
    ]
    for label, value in rows:
        if value:
            out.print(f"[bold]{label:>9}[/bold]  {escape(value)}")


def _address_text(entry: Contact) -> str:
    a = entry.address
    city = " ".join(p for p in (f"{a.city}," if a.city else "", a.state, a.postal_code) if p)
    country = "" if a.country in ("", "US") else a.country
    return ", ".join(p for p in (a.line1, a.line2, city.rstrip(","), country) if p)


def _opt(flag: str, what: str) -> object:
    return typer.Option(flag, help=what, show_default=False)


@app.command("edit", cls=Command)
@handles_errors
def edit(
    contact: Annotated[str, typer.Argument(help="The entry's id (see `mailer contacts list`).")],
    first_name: Annotated[str | None, _opt("--first-name", "First name.")] = None,
    last_name: Annotated[str | None, _opt("--last-name", "Last name.")] = None,
    phone: Annotated[str | None, _opt("--phone", "Phone number.")] = None,
    email: Annotated[str | None, _opt("--email", "Email address.")] = None,
    line1: Annotated[str | None, _opt("--address-line1", "Street address.")] = None,
    line2: Annotated[str | None, _opt("--address-line2", "Apartment, suite, unit.")] = None,
    city: Annotated[str | None, _opt("--city", "City.")] = None,
    state: Annotated[str | None, _opt("--state", "State or province.")] = None,
    postal_code: Annotated[str | None, _opt("--postal-code", "ZIP or postal code.")] = None,
    country: Annotated[str | None, _opt("--country", "Country (ISO code or name).")] = None,
    birthday: Annotated[str | None, _opt("--birthday", "Birthday, YYYY-MM-DD.")] = None,
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Correct an entry's name, phone, email or address (an empty value clears it). The
    cards of that person not printed or sent yet are then drawn with the correction."""
    from mailer.contacts.book import edit_contact

    values = {
        "first_name": first_name,
        "last_name": last_name,
        "phone": phone,
        "email": email,
        "line1": line1,
        "line2": line2,
        "city": city,
        "state": state,
        "postal_code": postal_code,
        "country": country,
        "birthday": birthday,
    }
    changes = {k: v for k, v in values.items() if v is not None}
    day = resolve_today(today)
    with open_ledger(db, config, create=False) as ledger:
        result = edit_contact(ledger, contact, changes, day)
    _show_entry(result.after)
    cards = result.steps_changed
    err.print(
        f"{result.after.contact_id} corrected; "
        + (
            f"{counted(cards, 'unsent card')} will be drawn with it"
            if cards
            else "no unsent card to redraw"
        ),
        markup=False,
    )
    if cards:
        next_step("`mailer render` (or `mailer run`) draws the corrected cards")
