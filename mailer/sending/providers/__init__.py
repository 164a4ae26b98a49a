"""Print-and-mail services: `make_provider` builds a client for Lob or PostGrid.

Kept light: `requests` and the client modules load only when a provider is made.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from mailer.errors import AuthError, UsageError

if TYPE_CHECKING:
    from mailer.config import Config
    from mailer.sending.providers.base import Provider
    from mailer.sending.providers.http import Clock, RetryPolicy, Sleep, SlidingWindowLimiter

ENV_KEYS: Mapping[str, tuple[str, str]] = {
    "lob": ("LOB_API_KEY", "LOB_BASE_URL"),
    "postgrid": ("POSTGRID_API_KEY", "POSTGRID_BASE_URL"),
}


DRY_RUN_KEY = "test_dry_run"
"""The key a dry run uses when none is set: a test key, and the dry run never sends."""


def known_provider(name: str) -> str:
    """`name` when it is a provider mailer knows, else a usage error."""
    if name not in ENV_KEYS:
        raise UsageError(f"--provider {name!r} is not supported", hint="use lob or postgrid")
    return name


def provider_for(
    config: Config, name: str | None, base_url: str | None, *, dry_run: bool = False
) -> Provider:
    """The client for `name` (else the configured provider). A dry run needs no key: when
    none is set it uses a test key that never leaves the machine."""
    chosen = known_provider(name or config.provider.name)
    key = None
    if dry_run and not os.environ.get(ENV_KEYS[chosen][0]):
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

    from mailer.sending.providers import lob, postgrid
    from mailer.sending.providers.http import HttpClient
    from mailer.sending.providers.http import SlidingWindowLimiter as Limiter

    if name not in ENV_KEYS:
        raise UsageError(
            f"unknown provider {name!r}", hint=f"use one of: {', '.join(sorted(ENV_KEYS))}"
        )
    environ = os.environ if env is None else env
    key_var, url_var = ENV_KEYS[name]
    key = (api_key or environ.get(key_var, "")).strip()
    module_hint = lob.KEY_HINT if name == "lob" else postgrid.KEY_HINT
    if not key:
        raise AuthError(f"no API key for {name}: {key_var} is not set", hint=module_hint)
    default_url = lob.DEFAULT_BASE_URL if name == "lob" else postgrid.DEFAULT_BASE_URL
    url = base_url or environ.get(url_var, "") or default_url
    if not url.startswith(("https://", "http://")):
        raise UsageError(
            f"the {name} base URL {url!r} is not a web address",
            hint=f"write it like {default_url} ({url_var} or --base-url)",
        )
    settings = config.provider
    clock = clock or time.monotonic
    sleep = sleep or time.sleep
    client = HttpClient(
        provider="Lob" if name == "lob" else "PostGrid",
        base_url=url,
        api_key=key,
        timeout=settings.timeout_seconds,
        limiter=limiter
        or Limiter(settings.rate_limit, settings.rate_window_seconds, clock=clock, sleep=sleep),
        error_message=lob.lob_error_message if name == "lob" else postgrid.postgrid_error_message,
        basic_auth=name == "lob",
        key_header="" if name == "lob" else "x-api-key",
        key_hint=module_hint,
        retry=retry,
        clock=clock,
        sleep=sleep,
    )
    if name == "lob":
        return lob.LobProvider(client)
    return postgrid.PostGridProvider(client)
