"""An HTTP client bound to the addresses one URL was checked for (SSRF and DNS rebinding).

A group robot's URL is chosen by a tenant's administrator and fetched by Keyi's servers, so it
gets the webhook guard (`keyi.platform.webhooks.targets.check_url`): http(s), no credentials,
every address public unless private targets are allowed. And as for webhooks, the addresses
checked are the ones connected to — the name is never resolved again — or a name whose records
change between the check and the connection would slip past.

`keyi.platform.webhooks.send` does this by sending each request to the checked IP itself. The
robot adapters (`keyi.platform.notify.robots`) build their request from the URL as written
(DingTalk's signature goes into its query), so here the same thing is done one level down: a
transport that takes the request as the adapter built it and sends it to a checked address,
with the ``Host`` header and the TLS server name (httpx's ``sni_hostname`` request extension,
certificate verified against it) still naming the host. A request for any other host — which
only a bug could produce, as redirects are not followed — is refused rather than resolved.
Proxies from the environment are off: a proxy would resolve the name itself.
"""

from __future__ import annotations

import httpx

from keyi.platform.webhooks.targets import DEFAULT_PORTS, Target, check_url

__all__ = ["PinnedTransport", "checked_client"]


class PinnedTransport(httpx.BaseTransport):
    """Sends requests for the target's host to its checked addresses, in the resolver's order
    while connecting fails (nothing was sent then)."""

    def __init__(self, target: Target, inner: httpx.BaseTransport | None = None) -> None:
        self._target = target
        self._inner = inner or httpx.HTTPTransport(trust_env=False)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        port = DEFAULT_PORTS.get(url.scheme) if url.port is None else url.port
        target = self._target
        if (
            url.scheme != target.url.scheme
            or url.raw_host.decode("ascii").lower() != target.host
            or port != target.port
        ):
            raise httpx.ConnectError("refused: not the checked host", request=request)
        extensions = dict(request.extensions)
        if url.scheme == "https" and not target.host_is_ip:
            extensions["sni_hostname"] = target.host
        failure: httpx.ConnectError | None = None
        for address in target.addresses:
            pinned = httpx.Request(
                request.method,
                url.copy_with(host=str(address)),
                headers=request.headers,  # Host: the name, set when the request was built
                stream=request.stream,
                extensions=extensions,
            )
            try:
                return self._inner.handle_request(pinned)
            except httpx.ConnectError as exc:
                failure = exc
        assert failure is not None  # check_url never returns a target without addresses
        raise failure

    def close(self) -> None:
        self._inner.close()


def checked_client(url: str, *, allow_private: bool, timeout: float = 10.0) -> httpx.Client:
    """A client for requests to `url`'s host, connecting only to the addresses checked now.

    Raises ValidationFailed (field ``url``, the codes of `check_url`) when the URL may not be
    called. Redirects are not followed; the caller closes the client.
    """
    target = check_url(url, allow_private=allow_private)
    return httpx.Client(
        transport=PinnedTransport(target),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )
