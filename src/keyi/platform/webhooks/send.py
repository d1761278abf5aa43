"""One webhook delivery attempt: a POST to a checked address, its outcome as data.

Whatever happens on the network (a refused target, no answer, a timeout, a 500, a redirect)
comes back as a `DeliveryResult` for the delivery log and the retry schedule; nothing is
raised. Success is a 2xx answer and only that: redirects are not followed (the Standard
Webhooks spec: the sender should be told to update the URL, and a redirect is also a way to
bounce a checked request to an internal address), so a 3xx is a failure with its status and
`Location` recorded.

**DNS rebinding.** The host is resolved once, by `targets.check_url`, every address is
checked, and the connection goes to a checked address; the name is never resolved again. A
name whose records change between the check and the connection (a rebinding attack, or a
TTL of zero) therefore cannot reach an internal address.

How, with httpx: the request URL names the checked IP, the `Host` header names the host,
and the `sni_hostname` request extension makes TLS send the host name as SNI and verify the
certificate against it (httpcore passes it as the `server_hostname` of the TLS handshake,
with hostname checking on). This is httpx's documented way to "connect to an explicit IP
address rather than using the standard DNS hostname lookup" (docs: Request Extensions,
`sni_hostname`), so nothing private of httpx or httpcore is touched. The alternative, a
custom httpcore network backend that maps the name to the checked address, keeps the URL
as written but needs a transport built on httpcore by hand, since `httpx.HTTPTransport`
takes no network backend. Proxies from the environment are off (`trust_env=False`): a proxy
would resolve the name itself.

A client passed in is used as it is apart from the per-request settings (no redirects, the
timeout): it must not use a proxy, and as httpx pools connections by address, a kept-alive
TLS connection verified for one host could carry a request for another host at the same
address. Share a client only between deliveries to one endpoint; by default each call makes
and closes its own.

Only the response's first bytes are read (an excerpt for the delivery log), undecoded
(`Accept-Encoding: identity`, raw bytes: no decompression of a hostile body). Nothing here
logs, so neither the secret nor the signature headers can reach a log.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from keyi.platform.errors import ValidationFailed
from keyi.platform.webhooks.targets import IPAddress, Target, check_url

EXCERPT_BYTES = 2048
USER_AGENT = "Keyi-Webhooks/1"
_LOCATION_CHARS = 300


@dataclass(frozen=True)
class DeliveryResult:
    """The outcome of one attempt.

    `status_code` is None when no HTTP answer came (refused target, connection error,
    timeout); `error` says what went wrong, None exactly when `ok`. Codes of a refused target
    are the validation codes of `targets.check_url` (`url_private_address`, ...).
    """

    status_code: int | None
    duration_ms: int
    error: str | None = None
    response_excerpt: str = ""
    # Seconds the receiver asked to wait (Retry-After), when it said so.
    retry_after: float | None = None
    # The address connected to, for the delivery log.
    address: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _failure(status: int, headers: httpx.Headers) -> str | None:
    if 200 <= status < 300:
        return None
    if 300 <= status < 400:
        location = headers.get("location", "")[:_LOCATION_CHARS]
        return f"HTTP {status}: redirect to '{location}' not followed"
    return f"HTTP {status}"


def _attempt(
    client: httpx.Client,
    target: Target,
    address: IPAddress,
    body: bytes,
    headers: Mapping[str, str],
    timeout: float,
    started: float,
) -> DeliveryResult:
    """POST to one checked address. Raises httpx errors; the caller turns them into results."""
    request_headers = httpx.Headers(dict(headers))
    request_headers.setdefault("user-agent", USER_AGENT)
    request_headers["accept-encoding"] = "identity"
    request_headers["host"] = target.url.netloc.decode("ascii")
    extensions = {}
    if target.url.scheme == "https" and not target.host_is_ip:
        extensions["sni_hostname"] = target.host
    with client.stream(
        "POST",
        target.url.copy_with(host=str(address)),
        content=body,
        headers=request_headers,
        extensions=extensions,
        timeout=timeout,
        follow_redirects=False,
    ) as response:
        excerpt = bytearray()
        try:
            for chunk in response.iter_raw():
                excerpt += chunk
                if len(excerpt) >= EXCERPT_BYTES or time.monotonic() - started > timeout:
                    break
        except httpx.HTTPError:
            pass  # the status decides the outcome; the excerpt is only what could be read
        return DeliveryResult(
            status_code=response.status_code,
            duration_ms=_elapsed_ms(started),
            error=_failure(response.status_code, response.headers),
            response_excerpt=bytes(excerpt[:EXCERPT_BYTES]).decode("utf-8", errors="replace"),
            retry_after=_retry_after(response.headers.get("retry-after")),
            address=str(address),
        )


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def deliver(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    allow_private: bool,
    timeout: float = 10.0,
    client: httpx.Client | None = None,
) -> DeliveryResult:
    """POST `body` with `headers` (signing.headers) to the webhook URL, never raising for
    what the network or the receiver does.

    The target is checked again here, not only when the subscription was saved: its name may
    point elsewhere now. Addresses are tried in the resolver's order while connecting fails
    (nothing has been sent then); a timeout ends the attempt. `timeout` bounds each network
    step (connect, write, each read) and the reading of the excerpt; name resolution is the
    system resolver's.
    """
    started = time.monotonic()
    try:
        target = check_url(url, allow_private=allow_private)
    except ValidationFailed as exc:
        return DeliveryResult(None, _elapsed_ms(started), error=exc.errors[0].code)
    own_client = client is None
    http = client or httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)
    error = "connect_error"
    address: IPAddress | None = None
    try:
        for address in target.addresses:
            try:
                return _attempt(http, target, address, body, headers, timeout, started)
            except httpx.ConnectError as exc:
                error = f"connect_error: {exc}"
            except httpx.TimeoutException as exc:
                error = f"timeout: {type(exc).__name__}"
                break
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
                break
    finally:
        if own_client:
            http.close()
    return DeliveryResult(
        None,
        _elapsed_ms(started),
        error=error,
        address=str(address) if address is not None else None,
    )
