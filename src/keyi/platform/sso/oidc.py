"""The OpenID Connect relying party: discovery, authorisation URL, code exchange, ID token.

Built on Authlib (its requests client for the OAuth 2 exchange with PKCE) and joserfc (JWS
verification against the provider's published keys). Discovery documents and key sets are
cached per issuer for a few minutes; an ID token signed with a key we have not seen yet makes
us fetch the key set again once, so a provider's key rotation needs no restart.

Nothing here logs or returns the client secret, codes or tokens.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, cast

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from keyi.platform.sso.providers import ProviderConfig

HTTP_TIMEOUT = 10.0
CACHE_SECONDS = 600.0
# Clock skew tolerated on exp/iat/nbf.
LEEWAY_SECONDS = 120
# Asymmetric signatures only: "none" and shared-secret HMAC are never accepted for ID tokens.
ALLOWED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class OidcError(Exception):
    """A step with the provider failed; `code` is what the login page is told."""

    def __init__(self, code: str, reason: str = "") -> None:
        super().__init__(f"{code}: {reason}" if reason else code)
        self.code = code
        self.reason = reason


@dataclass
class _Cached:
    metadata: dict[str, Any]
    jwks: dict[str, Any] | None
    fetched_at: float


class OidcClient:
    """One per server process; thread-safe (the cache is the only shared state)."""

    def __init__(self, timeout: float = HTTP_TIMEOUT, cache_seconds: float = CACHE_SECONDS) -> None:
        self.timeout = timeout
        self.cache_seconds = cache_seconds
        self._cache: dict[str, _Cached] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------ discovery
    def metadata(self, issuer: str) -> dict[str, Any]:
        with self._lock:
            cached = self._cache.get(issuer)
        if cached and time.monotonic() - cached.fetched_at < self.cache_seconds:
            return cached.metadata
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = self._get_json(url)
        # OIDC Discovery §4.3: the document must name the very issuer it was fetched for.
        if document.get("issuer") != issuer:
            raise OidcError("provider_unreachable", "issuer mismatch in discovery document")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(document.get(key), str):
                raise OidcError("provider_unreachable", f"discovery document lacks {key}")
        with self._lock:
            self._cache[issuer] = _Cached(document, None, time.monotonic())
        return document

    def _jwks(self, issuer: str, force: bool = False) -> dict[str, Any]:
        metadata = self.metadata(issuer)
        with self._lock:
            cached = self._cache.get(issuer)
        if cached and cached.jwks is not None and not force:
            return cached.jwks
        jwks = self._get_json(metadata["jwks_uri"])
        with self._lock:
            if issuer in self._cache:
                self._cache[issuer].jwks = jwks
        return jwks

    def _keys(self, issuer: str, force: bool = False) -> KeySet:
        return KeySet.import_key_set(cast(Any, self._jwks(issuer, force)))

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = requests.get(url, timeout=self.timeout)
            response.raise_for_status()
            data = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise OidcError("provider_unreachable", f"{url}: {type(exc).__name__}") from None
        if not isinstance(data, dict):
            raise OidcError("provider_unreachable", f"{url}: not a JSON object")
        return data

    # ------------------------------------------------------------ the flow
    def _session(self, provider: ProviderConfig, redirect_uri: str) -> OAuth2Session:
        methods = self.metadata(provider.issuer).get(
            "token_endpoint_auth_methods_supported", ["client_secret_basic"]
        )
        if not provider.client_secret:
            auth_method = "none"  # a public client: PKCE is its proof
        elif "client_secret_basic" in methods or "client_secret_post" not in methods:
            auth_method = "client_secret_basic"
        else:
            auth_method = "client_secret_post"
        return OAuth2Session(
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            token_endpoint_auth_method=auth_method,
            scope=" ".join(provider.scopes),
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            default_timeout=self.timeout,
        )

    def authorization_url(
        self,
        provider: ProviderConfig,
        *,
        redirect_uri: str,
        state: str,
        nonce: str,
        code_verifier: str,
    ) -> str:
        """Where to send the browser: code flow with state, nonce and a PKCE S256 challenge."""
        endpoint = self.metadata(provider.issuer)["authorization_endpoint"]
        with self._session(provider, redirect_uri) as session:
            url, _ = session.create_authorization_url(
                endpoint, state=state, code_verifier=code_verifier, nonce=nonce
            )
        return str(url)

    def exchange_code(
        self, provider: ProviderConfig, *, code: str, redirect_uri: str, code_verifier: str
    ) -> dict[str, Any]:
        """Redeem the authorisation code at the token endpoint (with the PKCE verifier)."""
        endpoint = self.metadata(provider.issuer)["token_endpoint"]
        try:
            with self._session(provider, redirect_uri) as session:
                token = session.fetch_token(
                    endpoint,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=code_verifier,
                    redirect_uri=redirect_uri,
                )
        except AuthlibBaseError as exc:  # the provider's error answer (invalid_grant, …)
            raise OidcError("token_exchange_failed", str(exc.error)) from None
        except requests.RequestException as exc:
            raise OidcError("provider_unreachable", type(exc).__name__) from None
        if not isinstance(token, dict) or not isinstance(token.get("id_token"), str):
            raise OidcError("token_exchange_failed", "no id_token in the token response")
        return dict(token)

    def validate_id_token(
        self,
        provider: ProviderConfig,
        id_token: str,
        *,
        nonce: str,
        access_token: str | None = None,
        now: int | None = None,
    ) -> dict[str, Any]:
        """The ID token's claims once signature, iss, aud, exp, iat, nonce and at_hash hold."""
        metadata = self.metadata(provider.issuer)
        advertised = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [a for a in advertised if a in ALLOWED_ALGORITHMS]
        if not algorithms:
            raise OidcError("invalid_token", "no acceptable signing algorithm")
        try:
            try:
                token = jwt.decode(id_token, self._keys(provider.issuer), algorithms=algorithms)
            except InvalidKeyIdError:  # the provider may have rotated its keys
                keys = self._keys(provider.issuer, force=True)
                token = jwt.decode(id_token, keys, algorithms=algorithms)
            claims = CodeIDToken(
                token.claims,
                token.header,
                {
                    "iss": {"essential": True, "values": [provider.issuer]},
                    "aud": {"essential": True, "values": [provider.client_id]},
                    "sub": {"essential": True},
                    "exp": {"essential": True},
                },
                {"nonce": nonce, "client_id": provider.client_id, "access_token": access_token},
            )
            claims.validate(now=now, leeway=LEEWAY_SECONDS)
        except (JoseError, ValueError, KeyError, TypeError) as exc:  # incl. a malformed key set
            raise OidcError("invalid_token", type(exc).__name__) from None
        return dict(claims)
