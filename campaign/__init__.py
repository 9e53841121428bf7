"""The application factory: create_app() builds a configured Flask app."""
from __future__ import annotations

import logging
import os
from contextlib import suppress
from pathlib import Path
from typing import Any

from flask import Flask

from . import config as settings
from .config import PROJECT_ROOT


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment; `config` (tests) overrides any setting."""
    instance_path = Path(os.environ.get("INSTANCE_PATH") or PROJECT_ROOT / "instance")
    if config and config.get("INSTANCE_PATH"):
        instance_path = Path(config["INSTANCE_PATH"])
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    with suppress(OSError):  # the SQLite file and mail go here; production may not need it
        instance_path.mkdir(parents=True, exist_ok=True)
    app.config.update(settings.DEFAULTS)
    app.config.update(settings.from_environment(instance_path))
    if config:
        app.config.update(config)
    # Served over https: the session cookie never travels over plain http.
    app.config["SESSION_COOKIE_SECURE"] = app.config["BASE_URL"].startswith("https://")
    settings.warn_about_development_defaults(app.config)
    if app.config["PAGE_CACHE_SECONDS"] > 0:
        from .core.page_cache import PageCache

        app.wsgi_app = PageCache(app.wsgi_app, app.config["PAGE_CACHE_SECONDS"],
                                 app.config.get("SESSION_COOKIE_NAME") or "session")
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    register_logging(app)
    register_models()
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def register_logging(app: Flask) -> None:
    # The embedded mail setting logs confirm links; make sure they reach the console.
    logger = logging.getLogger("campaign")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def register_models() -> None:
    """Import every domain's tables, so that the metadata (and so the migrations) knows them all."""
    from .accounts import models as account_models  # noqa: F401
    from .audit import models as audit_models  # noqa: F401
    from .delivery import jobs as render_jobs  # noqa: F401
    from .delivery import models as delivery_models  # noqa: F401
    from .delivery import stored as stored_pdfs  # noqa: F401
    from .directory import models as directory_models  # noqa: F401
    from .followup import models as followup_models  # noqa: F401
    from .letters import models as letter_models  # noqa: F401
    from .mail import models as mail_models  # noqa: F401
    from .signatures import models as signature_models  # noqa: F401
    from .switches import models as switch_models  # noqa: F401


def register_extensions(app: Flask) -> None:
    from .accounts.sessions import init_login
    from .core.caching import init_app as init_caching
    from .core.i18n import init_babel
    from .extensions import csrf, db, limiter, mail, migrate

    # First registered, so its after_request runs last: it sees every cookie set before it.
    init_caching(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    init_babel(app)
    init_login(app)


def register_blueprints(app: Flask) -> None:
    from .api import blueprint as api
    from .core.routing import init_app as init_routing
    from .public import blueprint as public
    from .public.verify import blueprint as verify
    from .staff import blueprint as staff

    init_routing(app)  # before the routes: they read the converters when added
    app.register_blueprint(public)
    app.register_blueprint(verify)
    app.register_blueprint(staff)
    app.register_blueprint(api)


def register_error_handlers(app: Flask) -> None:
    from .core.errors import init_app
    from .core.headers import init_app as init_headers

    init_app(app)
    init_headers(app)


def register_commands(app: Flask) -> None:
    from .cli import init_app

    init_app(app)


def register_template_helpers(app: Flask) -> None:
    from .core.templating import init_app

    init_app(app)
