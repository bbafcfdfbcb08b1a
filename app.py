"""OmicsOracle: the Flask app factory and the command line of every process role.

``python app.py`` runs the whole system in one process (embedded Redis when ``REDIS_URL`` is
unset, a Celery worker and beat in threads, the web server); ``python app.py web|worker|beat|
flower`` runs one role each against a shared ``REDIS_URL`` for a scaled deployment.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from celery import Celery
from flask import Flask

import blueprints
import celeryconfig
from omics.cache.system import shared_cache
from omics.config import Settings
from omics.realtime.hub import Hub
from omics.runtime.search_services import SearchServices
from omics.security.cli import add_commands as add_security_commands
from omics.security.cli import flower_basic_auth
from omics.security.database import Database
from omics.security.state import SecurityState
from omics.security.tokens import Blocklist
from omics.web import auth, errors, headers, metrics, rate_limits, state, submission
from omics.web.extensions import sock
from tasks.celery_app import OmicsCelery, create_celery

log = logging.getLogger("omics")

QUEUES = tuple(queue.name for queue in celeryconfig.task_queues)


def create_app(settings: Settings | None = None, celery: OmicsCelery | None = None) -> Flask:
    """Build the web application for ``settings`` (from the environment when omitted)."""
    settings = settings or Settings.from_env()
    celery = celery or create_celery(settings)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.service.max_body_bytes,
        # Browsers send a token as the ``bearer`` WebSocket subprotocol.
        SOCK_SERVER_OPTIONS={"ping_interval": settings.service.ws_ping_interval, "subprotocols": ["bearer"]},
    )
    services = SearchServices.build(settings, celery.redis_url)
    limiter = rate_limits.create_limiter(celery.redis_url)
    state.init_app(
        app,
        state.WebState(
            settings=settings,
            services=services,
            celery=celery,
            cache=shared_cache(celery.redis_url, settings),
            security=SecurityState(Database.from_settings(settings), Blocklist(services.redis), settings),
            hub=Hub(celery.redis_url),
            limiter=limiter,
        ),
    )
    errors.init_app(app)
    headers.init_app(app, settings.security.trusted_proxies)
    metrics.init_app(app)
    sock.init_app(app)
    auth.init_app(app, settings)  # identifies the caller, so before the rate limits count them
    rate_limits.init_app(app, limiter)
    app.after_request(submission.cache_header)
    blueprints.init_app(app)
    return app


def warm(app: Flask) -> Flask:
    """Load the index while the server starts accepting requests; the first search waits for it."""
    services = state.state_of(app).services
    threading.Thread(target=lambda: services.engine, name="engine-warmup", daemon=True).start()
    return app


def start_worker_thread(celery: Celery, concurrency: int) -> Any:
    """Run a Celery worker (threads pool, both queues) in a daemon thread of this process."""
    from celery.worker import WorkController

    celery.set_current()
    celery.set_default()
    worker = WorkController(
        app=celery,
        pool="threads",
        concurrency=concurrency,
        queues=list(QUEUES),
        without_mingle=True,
        without_gossip=True,
        loglevel="INFO",
    )
    threading.Thread(target=worker.start, name="celery-worker", daemon=True).start()
    return worker


def start_beat_thread(celery: Celery) -> None:
    """Run the one Celery beat of an all-in-one process in a daemon thread."""
    from celery.beat import Service

    service = Service(app=celery, schedule_filename=celery.conf.beat_schedule_filename)
    threading.Thread(target=service.start, name="celery-beat", daemon=True).start()


def serve_forever(app: Flask, host: str, port: int) -> None:
    from omics.web.server import make_app_server

    server = make_app_server(app, host, port)
    print(f"OmicsOracle is ready on http://{host}:{server.server_port}/", flush=True)
    server.serve_forever()


def run_all(settings: Settings, args: argparse.Namespace) -> None:
    # SIGTERM exits through atexit, so the embedded Redis server is shut down with the process.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    celery = create_celery(settings)
    start_worker_thread(celery, settings.service.worker_concurrency)
    start_beat_thread(celery)
    app = warm(create_app(settings, celery))
    serve_forever(app, args.host or settings.host, args.port or settings.port)


class _GunicornApp:
    """Runs ``create_app()`` under gunicorn (imported lazily: only the web role needs it)."""

    @staticmethod
    def run(options: dict[str, Any]) -> None:
        from gunicorn.app.base import BaseApplication

        class Application(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
            def load_config(self) -> None:
                for key, value in options.items():
                    self.cfg.set(key, value)

            def load(self) -> Flask:
                return warm(create_app())

        Application().run()


def run_web(settings: Settings, args: argparse.Namespace) -> None:
    host, port = args.host or settings.host, args.port or settings.port
    _GunicornApp.run(
        {
            "bind": f"{host}:{port}",
            "workers": args.workers,
            "worker_class": args.worker_class,
            "threads": args.threads,
            "timeout": 60,
            "graceful_timeout": 10,
        }
    )


def run_worker(settings: Settings, args: argparse.Namespace) -> None:
    create_celery(settings).worker_main(
        [
            "worker",
            "--pool",
            args.pool,
            "--concurrency",
            str(settings.service.worker_concurrency),
            "-Q",
            ",".join(QUEUES),
            "--loglevel",
            "INFO",
        ]
    )


def run_beat(settings: Settings, args: argparse.Namespace) -> None:
    celery = create_celery(settings)
    celery.start(["beat", "--loglevel", "INFO", "--schedule", celery.conf.beat_schedule_filename])


def run_flower(settings: Settings, args: argparse.Namespace) -> None:
    create_celery(settings).start(
        [
            "flower",
            f"--address={args.host or settings.host}",
            f"--port={args.port or 5555}",
            flower_basic_auth(settings),
        ]
    )


def build_parser() -> argparse.ArgumentParser:
    """The command line; each subcommand sets ``func(settings, args)``."""
    parser = argparse.ArgumentParser(prog="app.py", description=__doc__.splitlines()[0])
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1, or OMICS_HOST)")
    parser.add_argument("--port", type=int, help="port to listen on (default 5000, or PORT)")
    parser.set_defaults(func=run_all)
    roles = parser.add_subparsers(dest="command", metavar="{web,worker,beat,flower,...}")
    web = roles.add_parser("web", help="the web server under gunicorn (against REDIS_URL)")
    web.add_argument("--host", default=argparse.SUPPRESS)
    web.add_argument("--port", type=int, default=argparse.SUPPRESS)
    web.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    web.add_argument(
        "--worker-class",
        default=os.environ.get("OMICS_WEB_WORKER_CLASS", "gevent"),
        help="gunicorn worker class: gevent (many sockets per process; the default, see "
        "docs/PERFORMANCE.md) or gthread (one thread per socket)",
    )
    web.add_argument("--threads", type=int, default=int(os.environ.get("OMICS_WEB_THREADS", "64")))
    web.set_defaults(func=run_web)
    worker = roles.add_parser("worker", help="a Celery worker on the search and maintenance queues")
    worker.add_argument(
        "--pool",
        choices=("prefork", "threads"),
        default=os.environ.get("OMICS_WORKER_POOL", "prefork"),
        help="prefork (default: enforces the time limits, a crashing search loses one child) "
        "or threads (one index in memory; time limits are not enforced)",
    )
    worker.set_defaults(func=run_worker)
    roles.add_parser("beat", help="the Celery beat scheduler (run exactly one)").set_defaults(func=run_beat)
    flower = roles.add_parser("flower", help="Flower, the Celery monitor")
    flower.add_argument("--host", default=argparse.SUPPRESS)
    flower.add_argument("--port", type=int, default=argparse.SUPPRESS)
    flower.set_defaults(func=run_flower)
    add_security_commands(roles)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    func: Callable[[Settings, argparse.Namespace], None] = args.func
    func(Settings.from_env(), args)


if __name__ == "__main__":
    main(sys.argv[1:])
