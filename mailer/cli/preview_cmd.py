"""`mailer preview`: one card, or a proof sheet of several, as a picture to look at before
anything is printed or sent."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mailer.cli.card_cmds import ModeOption, card_mode, say_failure
from mailer.cli.common import (
    ConfigOption,
    DbOption,
    DemoOption,
    ExitCode,
    TodayOption,
    counted,
    err,
    handles_errors,
    hint,
    load_config,
    mark_missing,
    open_ledger,
    resolve_today,
)
from mailer.errors import MailerError, UsageError
from mailer.files import ensure_folder

if TYPE_CHECKING:
    from mailer.config import Config


@handles_errors
def preview(
    contact: Annotated[
        str | None,
        typer.Option(
            "--contact",
            help='The contact\'s card, by id or name ("Amy Carter"). Default: the first.',
            show_default=False,
        ),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option("--template", help="Show this template instead of the planned one."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="A .png or .pdf file. Default: output/preview.png.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    guides: Annotated[
        bool,
        typer.Option("--guides", help="Overlay trim, bleed, safe area and the postal zones."),
    ] = False,
    proof: Annotated[
        int | None,
        typer.Option(
            "--proof", min=1, help="A contact sheet of the first N cards.", show_default=False
        ),
    ] = None,
    compare: Annotated[
        bool,
        typer.Option(
            "--compare",
            help="The card's back twice: the handwritten note plain and varied.",
        ),
    ] = False,
    no_open: Annotated[
        bool, typer.Option("--no-open", help="Don't open the picture when done.")
    ] = False,
    mode: ModeOption = None,
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
    demo: DemoOption = False,
) -> None:
    """Show a card, front and back side by side, before printing or sending anything."""
    import dataclasses

    from mailer.domain.step_codes import step_code
    from mailer.drawing.preview import (
        ProofFailure,
        compare_image,
        open_file,
        preview_image,
        proof_sheet,
    )

    if compare and (proof or guides):
        raise UsageError(
            f"--compare shows one card's note; it can't be combined with "
            f"{'--proof' if proof else '--guides'}",
            hint="leave that option out, or run the two previews one after the other",
        )

    resolve_today(today)  # accepted like everywhere; the card shows the planned dates
    settings = load_config(config, demo=demo)
    chosen = card_mode(settings, mode)
    target = out or Path("output") / "preview.png"
    from mailer.drawing.draw import steps_to_preview

    with open_ledger(db, config, create=False) as ledger:
        steps = steps_to_preview(ledger, contact)
    if contact and not steps:
        raise MailerError(
            f"no planned card for {contact}",
            hint="`mailer plan CALLS.csv` (without --dry-run) records the plan; its table "
            "shows who gets a card",
        )
    if not steps:
        raise MailerError(
            "no planned cards to preview",
            hint="run `mailer plan CALLS.csv` (without --dry-run) first",
        )
    if template:
        steps = [dataclasses.replace(s, template=template) for s in steps]
    banner = preview_banner(settings, demo)
    if not proof and (code := step_code(steps[0])) is not None and code.provisional:
        # A card the ledger has not given its code (planned before cards had codes).
        banner = " · ".join(filter(None, (banner, f"PROVISIONAL CODE {code.display}")))
    ensure_folder(target.parent)
    failures: list[ProofFailure] = []
    if compare:
        compare_image(steps[0], settings, chosen, target, banner=banner)
    elif proof:
        proof_sheet(
            steps[:proof], settings, chosen, target, guides=guides, banner=banner, failures=failures
        )
    else:
        preview_image(steps[0], settings, chosen, target, guides=guides, banner=banner)
    for failure in failures:
        say_failure("card left off", failure.contact_id, failure.message, failure.hint)
    drawn = min(proof, len(steps)) - len(failures) if proof else 1
    err.print(f"wrote {target} ({counted(drawn, 'card')})", markup=False)
    if not no_open and not open_file(target):
        hint(f"open {target} to look at it")
    if failures:
        raise typer.Exit(ExitCode.PARTIAL)


def preview_banner(settings: Config, demo: bool) -> str:
    """What a preview says across the card when it is not the seller's own card yet."""
    if demo:
        return "DEMO SENDER — set [sender] in mailer.toml"
    if mark_missing(settings, "the preview leaves them off"):
        return "NO SENDER — set [sender] in mailer.toml"
    return ""
