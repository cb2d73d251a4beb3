"""NATS connection with the reconnect behaviour every process wants."""

from __future__ import annotations

import logging
import re
from urllib.parse import quote, urlsplit, urlunsplit

import nats
from nats.aio.client import Client as NATS

from mgov_common.retry import Backoff

log = logging.getLogger(__name__)


def nats_servers(url: str) -> list[str]:
    """The servers of a NATS URL: one (`nats://u:p@h:4222`) or a cluster's, comma-separated
    (`nats://u:p@h:4222,nats://u:p@h:4223`). nats-py takes a list; a single string with
    commas would be read as one (bad) address."""
    servers = [s.strip() for s in url.split(",") if s.strip()]
    if not servers:
        raise ValueError("a NATS URL names at least one server")
    return servers


def redact(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    return re.sub(r"//([^:/@]+):[^@/,]*@", r"//\1:***@", url)


def with_credentials(url: str, user: str, password: str) -> str:
    """`url` (one server or a comma-separated list) with this user and password in each."""
    auth = f"{quote(user, safe='')}:{quote(password, safe='')}@"
    out = []
    for one in url.split(","):
        parts = urlsplit(one.strip())
        out.append(urlunsplit(parts._replace(netloc=auth + parts.netloc.rpartition("@")[2])))
    return ",".join(out)


async def connect_nats(url: str, name: str, *, attempts: int = 20, **options: object) -> NATS:
    """Connect, retrying the first connection (the server may still be starting), and
    then reconnect forever: health reports NOT_SERVING while disconnected."""

    async def _err(exc: Exception) -> None:
        log.debug("nats error", extra={"error": repr(exc)})

    async def _disconnected() -> None:
        log.info("nats disconnected", extra={"connection": name})

    async def _reconnected() -> None:
        log.info("nats reconnected", extra={"connection": name})

    backoff = Backoff(base=0.1, cap=2.0)
    for attempt in range(1, attempts + 1):
        try:
            return await nats.connect(
                nats_servers(url),
                name=name,
                allow_reconnect=True,
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.5,  # type: ignore[arg-type]
                connect_timeout=2,
                error_cb=_err,
                disconnected_cb=_disconnected,
                reconnected_cb=_reconnected,
                **options,  # type: ignore[arg-type]
            )
        except (OSError, nats.errors.NoServersError, TimeoutError) as exc:
            if attempt == attempts:
                raise ConnectionError(f"cannot reach NATS at {redact(url)}: {exc}") from exc
            await backoff.sleep()
    raise AssertionError("unreachable")
