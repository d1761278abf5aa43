"""The ASGI application: API routers, error handling, operations endpoints, and the web app."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware
from swagger_ui_bundle import swagger_ui_path

from keyi.api import ops
from keyi.api.assets import CompressedFiles, asset_response
from keyi.api.context import SESSION_COOKIE, Services
from keyi.api.edge import KeyiAPI
from keyi.api.errors import install_error_handlers, problem
from keyi.api.openapi import generic_openapi, tenant_openapi
from keyi.api.page_hints import PageHints, embeddable
from keyi.api.params import valid_body_text
from keyi.api.ratelimit import LoginRateLimiter, parse_networks
from keyi.api.routes import (
    access,
    account,
    actions,
    analytics,
    analytics_settings,
    approvals,
    audit,
    auth,
    config_packages,
    dashboards,
    document_template,
    flows,
    imports,
    jobs,
    mass,
    metadata,
    notifications,
    pools,
    privacy,
    records,
    report_alerts,
    report_folders,
    report_subscriptions,
    reports,
    robot_channels,
    search,
    sms,
    sso,
    users,
    views,
    webhooks,
)
from keyi.api.traits import BodyClass
from keyi.packages import package_routers, register_all_hooks
from keyi.platform.actions import ActionRegistry
from keyi.platform.actions import registry as action_registry
from keyi.platform.auth import AuthService
from keyi.platform.i18n import negotiate
from keyi.platform.ratelimits import rate_store
from keyi.platform.tenancy import Platform
from keyi.settings import Settings

# The app's own scripts only; inline styles are needed by Ant Design's CSS-in-JS.
SPA_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'"
)
# An embeddable public page (keyi.api.page_hints.embeddable): any website may frame it.
EMBEDDABLE_CSP = SPA_CSP.replace("frame-ancestors 'none'", "frame-ancestors *")
DEFAULT_WEB_DIST = Path(__file__).resolve().parents[3] / "web" / "dist"


def create_app(
    settings: Settings, platform: Platform | None = None, action_set: ActionRegistry | None = None
) -> FastAPI:
    """The app; ``action_set`` replaces the packages' actions (tests register their own)."""
    platform = platform or Platform(settings)
    platform.init_control()
    # Loads every package's hooks and actions: the action routes are built from them below.
    register_all_hooks()
    app = KeyiAPI(
        title="Keyi API",
        version="1",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(valid_body_text)],
    )
    app.state.services = Services(
        platform=platform,
        auth=AuthService(platform),
        login_limiter=LoginRateLimiter(
            rate_store(platform.db, platform.t["rate_limit"], settings.redis_url),
            limit=settings.login_attempts_per_minute,
            trusted_proxies=parse_networks(settings.trusted_proxies),
        ),
    )
    install_error_handlers(app)
    # Compressed answers: list pages and exports shrink to a fifth. Level 1 (nginx's default):
    # API answers are compressed on every request, and a 50-row account page (47 kB) took
    # 0.57 ms at level 1 against 1.5 ms at level 6 for 8.9 kB instead of 7.7 kB; level 6 was
    # an eighth of the server's CPU per list request. Built assets come pre-compressed at the
    # highest level once (keyi.api.assets).
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=1)
    # Read by the Edge (keyi.api.edge), which wraps the whole stack when it is first built.
    app.state.metrics = ops.Metrics()
    app.state.observe = app.state.metrics.observe
    app.state.metrics_access = ops.MetricsAccess(settings)
    app.state.body_limits = {
        BodyClass.AUTH: settings.max_body_auth,
        BodyClass.JSON: settings.max_body_json,
        BodyClass.UPLOAD: settings.max_body_upload,
    }
    for router in (
        ops.router,
        auth.router,
        account.router,
        metadata.router,
        # Before the generic records routes: /records/lead/{id}/convert must win over them.
        actions.build_router(action_set if action_set is not None else action_registry),
        records.router,
        mass.router,
        search.router,
        views.router,
        reports.router,
        report_alerts.router,
        report_subscriptions.router,
        dashboards.router,
        report_folders.router,
        analytics_settings.router,
        analytics.router,
        access.router,
        pools.router,
        audit.router,
        privacy.router,
        jobs.router,
        imports.router,
        flows.router,
        approvals.router,
        webhooks.router,
        robot_channels.router,
        sms.router,
        document_template.router,
        config_packages.router,
        notifications.router,
        users.router,
        sso.router,
        *package_routers(),
    ):
        app.include_router(router)

    @app.get("/api/v1/openapi.json", include_in_schema=False)
    def openapi(request: Request) -> JSONResponse:
        return JSONResponse(tenant_openapi(app, request))

    # Swagger UI from a Python package, not a CDN: self-hosted installs may have no internet.
    app.mount("/api/docs/assets", StaticFiles(directory=swagger_ui_path), name="swagger-assets")

    @app.get("/api/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/v1/openapi.json",
            title="Keyi API",
            swagger_js_url="/api/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/api/docs/assets/swagger-ui.css",
            swagger_favicon_url="/api/docs/assets/favicon-32x32.png",
        )

    mount_web(app, settings.web_dist or DEFAULT_WEB_DIST)
    return app


def static_openapi() -> dict[str, Any]:
    """The OpenAPI document without a tenant, as an anonymous GET /api/v1/openapi.json answers
    it; `keyi openapi` prints it for generating the web app's types. The app is built on a
    throwaway embedded database, so this needs no configuration and no running database."""
    with tempfile.TemporaryDirectory(prefix="keyi-openapi-") as tmp:
        platform = Platform(Settings(data_dir=Path(tmp)))
        try:
            return generic_openapi(create_app(platform.settings, platform))
        finally:
            platform.dispose()


def mount_web(app: FastAPI, dist: Path) -> None:
    """Serve the built single-page app; unknown non-API paths get index.html (client routes)."""
    index = dist / "index.html"
    compressed = CompressedFiles()
    hints = PageHints(dist)

    @app.get("/{path:path}", include_in_schema=False)
    def web(path: str, request: Request) -> Any:
        if path.startswith("api/"):
            return problem(404, "not_found", negotiate(request.headers.get("accept-language")))
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and dist.resolve() in candidate.parents:
            return asset_response(
                candidate, request, compressed, immutable="/assets/" in f"/{path}"
            )
        if index.is_file():
            page = hints.render(
                path, request.url.query, signed_in=SESSION_COOKIE in request.cookies
            )
            return HTMLResponse(
                page,
                headers={
                    "Cache-Control": "no-cache",
                    "Content-Security-Policy": EMBEDDABLE_CSP if embeddable(path) else SPA_CSP,
                    # the hints differ with and without a session
                    "Vary": "Cookie",
                },
            )
        return HTMLResponse(
            "<h1>Keyi</h1><p>The web app is not built. Run <code>make install</code>.</p>"
            '<p>API: <a href="/api/docs">/api/docs</a></p>',
            status_code=200,
        )
