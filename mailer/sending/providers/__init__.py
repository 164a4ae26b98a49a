"""Print-and-mail services: `make_provider` builds a client for Lob or PostGrid.

Kept light: `requests` and the client modules load only when a provider is made.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mailer.errors import AuthError, UsageError

if TYPE_CHECKING:
    from mailer.config import Config
    from mailer.sending.providers.base import Provider
    from mailer.sending.providers.http import Clock, RetryPolicy, Sleep, SlidingWindowLimiter


@dataclass(frozen=True)
class ProviderFacts:
    """What differs between the services, in one place. Each client module (`lob`,
    `postgrid`) also gives its `DEFAULT_BASE_URL`, `KEY_HINT`, `error_message` and
    `SERVICE` (the client class), read only when a client is made."""

    title: str
    """The service's name as it writes it."""
    key_var: str
    url_var: str
    artwork: str
    """What it takes: "sides" (front and back, one-page PDFs each) or "pdf" (one two-page
    PDF). Drawn in that form, never converted later: PDFium must not run on the sending
    threads."""
    key_header: str
    """The header that carries the key; "" for HTTP basic auth with the key as user name."""


PROVIDERS: Mapping[str, ProviderFacts] = {
    "lob": ProviderFacts("Lob", "LOB_API_KEY", "LOB_BASE_URL", "sides", ""),
    "postgrid": ProviderFacts(
        "PostGrid", "POSTGRID_API_KEY", "POSTGRID_BASE_URL", "pdf", "x-api-key"
    ),
}


DRY_RUN_KEY = "test_dry_run"
"""The key a dry run uses when none is set: a test key, and the dry run never sends."""


def known_provider(name: str) -> str:
    """`name` when it is a provider mailer knows, else a usage error."""
    if name not in PROVIDERS:
        raise UsageError(
            f"--provider {name!r} is not supported", hint=f"use {' or '.join(PROVIDERS)}"
        )
    return name


def provider_for(
    config: Config, name: str | None, base_url: str | None, *, dry_run: bool = False
) -> Provider:
    """The client for `name` (else the configured provider). A dry run needs no key: when
    none is set it uses a test key that never leaves the machine."""
    chosen = known_provider(name or config.provider.name)
    key = None
    if dry_run and not os.environ.get(PROVIDERS[chosen].key_var):
        key = DRY_RUN_KEY
    return make_provider(chosen, config=config, api_key=key, base_url=base_url)


def make_provider(
    name: str,
    *,
    config: Config,
    api_key: str | None = None,
    base_url: str | None = None,
    env: Mapping[str, str] | None = None,
    limiter: SlidingWindowLimiter | None = None,
    retry: RetryPolicy | None = None,
    clock: Clock | None = None,
    sleep: Sleep | None = None,
) -> Provider:
    """A client for provider `name`. The key and base URL come from the arguments, else
    from the environment (`LOB_API_KEY`, `LOB_BASE_URL`, `POSTGRID_...`), else the
    provider's own URL. Pacing and timeouts come from `config.provider`."""
    import time

    from mailer.sending.providers.http import HttpClient
    from mailer.sending.providers.http import SlidingWindowLimiter as Limiter

    facts = PROVIDERS.get(name)
    if facts is None:
        raise UsageError(
            f"unknown provider {name!r}", hint=f"use one of: {', '.join(sorted(PROVIDERS))}"
        )
    module = importlib.import_module(f"mailer.sending.providers.{name}")
    environ = os.environ if env is None else env
    key = (api_key or environ.get(facts.key_var, "")).strip()
    if not key:
        raise AuthError(f"no API key for {name}: {facts.key_var} is not set", hint=module.KEY_HINT)
    url = base_url or environ.get(facts.url_var, "") or module.DEFAULT_BASE_URL
    if not url.startswith(("https://", "http://")):
        raise UsageError(
            f"the {name} base URL {url!r} is not a web address",
            hint=f"write it like {module.DEFAULT_BASE_URL} ({facts.url_var} or --base-url)",
        )
    settings = config.provider
    clock = clock or time.monotonic
    sleep = sleep or time.sleep
    client = HttpClient(
        provider=facts.title,
        base_url=url,
        api_key=key,
        timeout=settings.timeout_seconds,
        limiter=limiter
        or Limiter(settings.rate_limit, settings.rate_window_seconds, clock=clock, sleep=sleep),
        error_message=module.error_message,
        basic_auth=not facts.key_header,
        key_header=facts.key_header,
        key_hint=module.KEY_HINT,
        retry=retry,
        clock=clock,
        sleep=sleep,
    )
    service: Provider = module.SERVICE(client)
    return service
