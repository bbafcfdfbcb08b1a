"""OmicsOracle: the Flask app factory and the command line of every process role.

``python app.py`` runs the whole system in one process (embedded Redis when ``REDIS_URL`` is
unset, a Celery worker and beat in threads, the web server); ``python app.py web|worker|beat|
flower`` runs one role each against a shared ``REDIS_URL`` for a scaled deployment.
"""

from __future__ import annotations

import sys

from omics.telemetry.metrics_processes import share_metrics_across_workers

# First, before anything imports prometheus_client: gunicorn's workers then count as one service.
share_metrics_across_workers(sys.argv)

import argparse
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from celery import Celery
from flask import Flask

import blueprints
import celeryconfig
from omics.cache.system import shared_cache
from omics.config import LoadSettings, Settings
from omics.files import PRIVATE_UMASK
from omics.realtime.hub import Hub
from omics.runtime.ingest_cli import add_commands as add_ingest_commands
from omics.runtime.migrate_cli import add_commands as add_migrate_commands
from omics.runtime.search_services import SearchServices
from omics.security.cli import add_commands as add_security_commands
from omics.security.cli import flower_basic_auth
from omics.security.database import Database
from omics.security.oauth.cli import add_commands as add_oauth_commands
from omics.security.state import SecurityState
from omics.security.tokens import Blocklist
from omics.telemetry import configure_logging, configure_tracing
from omics.web import (
    auth,
    discovery,
    errors,
    headers,
    metrics,
    oauth_server,
    oidc,
    rate_limits,
    signing,
    state,
    submission,
    telemetry,
    versioning,
)
from omics.web.extensions import sock
from tasks import discovery as tasks_discovery
from tasks.celery_app import OmicsCelery, create_celery

log = logging.getLogger("omics")

QUEUES = tuple(queue.name for queue in celeryconfig.task_queues)
WORKER_STOP_SECONDS = 10.0  # an all-in-one worker's warm shutdown on Ctrl-C, before it is stopped from here


def create_app(
    settings: Settings | None = None, celery: OmicsCelery | None = None, role: str = "all"
) -> Flask:
    """Build the web application for ``settings`` (from the environment when omitted).

    ``role`` "realtime" serves only the event sockets and health; "all" and "web" serve everything.
    """
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
            role=role,
        ),
    )
    errors.init_app(app, services.redis.ping)
    telemetry.init_app(app, role)  # the correlation id first: every later hook may log
    headers.init_app(app, settings.security.trusted_proxies)
    metrics.init_app(app)
    sock.init_app(app)
    auth.init_app(app, settings)  # identifies the caller, so before the rate limits count them
    signing.init_app(app)  # tokens are signed by the keyring (after auth: it overrides the HMAC setup)
    versioning.init_app(app, settings.api)  # after auth: an API key's pinned version
    rate_limits.init_app(app, limiter)
    oauth_server.init_app(app)
    if settings.oauth.oidc_configured:
        oidc.init_app(
            app,
            settings.oauth.oidc_issuer,
            settings.oauth.oidc_client_id,
            settings.oauth.oidc_client_secret,
            settings.oauth.oidc_scope,
        )
    app.after_request(submission.cache_header)
    blueprints.init_app(app, role)
    return app


def serve_as(app: Flask, role: str, host: str, port: int) -> Flask:
    """Register ``app``'s process in the service registry as ``role`` at ``host:port``, and warm it."""
    discovery.start_heartbeat(app, role, host, port)
    return app if role == "realtime" else warm(app)  # a realtime instance never searches


def warm(app: Flask) -> Flask:
    """Load the index and lexicon while the server starts accepting requests.

    Missing artefacts are built by a child process (see ``omics.search.artefacts``), so under
    gevent this greenlet only waits; readiness says "building" until the engine is loaded.
    """
    services = state.state_of(app).services
    threading.Thread(target=lambda: services.engine.vocabulary, name="engine-warmup", daemon=True).start()
    return app


def start_worker_thread(celery: Celery, concurrency: int) -> tuple[Any, threading.Thread]:
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
    thread = threading.Thread(target=worker.start, name="celery-worker", daemon=True)
    thread.start()
    return worker, thread


def stop_worker_thread(worker: Any, thread: threading.Thread) -> None:
    """Stop the worker of :func:`start_worker_thread` from its own thread, and wait for it.

    Its event loop sees Celery's stop flag, leaves, and closes its connection itself. Closing it
    from this thread raced with the loop, which iterates the connection's channels: now and
    then a Ctrl-C ended in "Unrecoverable error: Set changed size during iteration". A worker
    still busy after ``WORKER_STOP_SECONDS`` is stopped from here, as before.
    """
    from celery.worker import state as worker_state

    worker_state.should_stop = 0  # the exit status of a warm shutdown
    thread.join(WORKER_STOP_SECONDS)
    if thread.is_alive():
        worker.stop(in_sighandler=False)


def start_beat_thread(celery: Celery) -> Any:
    """Run the one Celery beat of an all-in-one process in a daemon thread."""
    from celery.beat import Service

    service = Service(app=celery, schedule_filename=celery.conf.beat_schedule_filename)
    threading.Thread(target=service.start, name="celery-beat", daemon=True).start()
    return service


def serve_forever(app: Flask, host: str, port: int) -> None:
    from omics.web.server import make_app_server

    server = make_app_server(app, host, port)
    print(f"OmicsOracle is ready on http://{host}:{server.server_port}/", flush=True)
    server.serve_forever()


def run_all(settings: Settings, args: argparse.Namespace) -> None:
    celery = create_celery(settings)
    worker, worker_thread = start_worker_thread(celery, settings.service.worker_concurrency)
    beat = start_beat_thread(celery)
    host, port = args.host or settings.host, args.port or settings.port
    app = serve_as(create_app(settings, celery), "all", host, port)
    try:
        serve_forever(app, host, port)
    finally:
        # Before atexit stops an embedded Redis: otherwise the worker and the listeners report
        # a lost Redis as an error on every normal Ctrl-C.
        beat.stop()
        stop_worker_thread(worker, worker_thread)
        web_state = state.state_of(app)
        web_state.hub.stop()
        web_state.cache.invalidator.stop()


class _GunicornApp:
    """Runs ``create_app()`` under gunicorn (imported lazily: only the web role needs it)."""

    @staticmethod
    def run(options: dict[str, Any], role: str, host: str, port: int) -> None:
        from gunicorn.app.base import BaseApplication

        class Application(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
            def load_config(self) -> None:
                for key, value in options.items():
                    self.cfg.set(key, value)

            def load(self) -> Flask:  # in each forked worker: one registry instance per process
                return serve_as(create_app(role=role), role, host, port)

        Application().run()


def run_web(settings: Settings, args: argparse.Namespace) -> None:
    host, port = args.host or settings.host, args.port or settings.port
    # The worker processes size their socket quota below this process's real connection cap
    # (see omics.web.socket_quota): gevent's worker_connections, or gthread's threads.
    capacity = args.connections if args.worker_class == "gevent" else args.threads
    os.environ["OMICS_WEB_CONNECTIONS"] = str(capacity)
    _GunicornApp.run(
        {
            "bind": f"{host}:{port}",
            "workers": args.workers,
            "worker_class": args.worker_class,
            "threads": args.threads,
            "worker_connections": args.connections,
            "timeout": 60,
            "graceful_timeout": 10,
        },
        args.command or "web",
        host,
        port,
    )


def run_build(settings: Settings, args: argparse.Namespace) -> None:
    """Build the shared artefacts of the data directory (or wait for the process building them)."""
    from omics.search import artefacts

    built = artefacts.build(settings.corpus_path, settings.data_dir, settings.index_backend)
    print(f"built: {', '.join(built)}" if built else "nothing to build: artefacts are current", flush=True)


def run_worker(settings: Settings, args: argparse.Namespace) -> None:
    from omics.search import artefacts

    celery = create_celery(settings)
    instance = tasks_discovery.worker_instance(args.queues.split(","))
    heartbeat = tasks_discovery.start_worker_heartbeat(celery, instance)
    # Built (or waited for) once here, so prefork children never each derive them, and the
    # vocabulary loaded here, so they share one copy of it.
    run_build(settings, args)
    artefacts.preload_before_fork(settings.data_dir)
    try:
        celery.worker_main(worker_argv(args.pool, settings.service.worker_concurrency, instance))
    finally:
        heartbeat.stop()


def worker_argv(pool: str, concurrency: int, instance: Any) -> list[str]:
    """``celery worker`` arguments: the node is named after the registry instance (ping cross-check)."""
    return [
        "worker",
        "--hostname",
        instance.health["node"],
        "--pool",
        pool,
        "--concurrency",
        str(concurrency),
        "-Q",
        ",".join(instance.queues),
        "--loglevel",
        "INFO",
        # Nothing here revokes tasks or shares state between workers (the service registry
        # tracks them), and mingle waits a second for neighbours at every start and every
        # broker reconnect, keeping a recovered instance out of rotation that long.
        "--without-mingle",
        "--without-gossip",
    ]


def run_beat(settings: Settings, args: argparse.Namespace) -> None:
    celery = create_celery(settings)
    heartbeat = tasks_discovery.start_beat_heartbeat(celery)
    try:
        celery.start(["beat", "--loglevel", "INFO", "--schedule", celery.conf.beat_schedule_filename])
    finally:
        heartbeat.stop()


def run_flower(settings: Settings, args: argparse.Namespace) -> None:
    celery = create_celery(settings)
    host, port = args.host or settings.host, args.port or 5555
    heartbeat = tasks_discovery.start_plain_heartbeat(celery, "flower", host, port)
    try:
        celery.start(["flower", f"--address={host}", f"--port={port}", flower_basic_auth(settings)])
    finally:
        heartbeat.stop()


def run_services(settings: Settings, args: argparse.Namespace) -> None:
    """Print the live instances of every service (one line each, or JSON with ``--json``)."""
    instances = tasks_discovery.live_instances(create_celery(settings))
    if args.json:
        print(json.dumps([instance.to_dict() for instance in instances], indent=2))
        return
    print(f"{'ROLE':<9} {'INSTANCE':<44} {'ADDRESS':<21} {'VERSION':<8} {'HEALTH':<24} LAST SEEN")
    for instance in instances:
        print(
            f"{instance.role:<9} {instance.instance_id:<44} {instance.address:<21} {instance.version:<8} "
            f"{_health_summary(instance.health):<24} {time.time() - instance.last_seen:.1f}s ago"
        )


def _health_summary(health: dict[str, Any]) -> str:
    summary = f"ready={health.get('ready', '?')}"
    return summary + (f" ping={health['ping']}" if "ping" in health else "")


def write_api_docs(settings: Settings, args: argparse.Namespace) -> None:
    """Write (or, with --check, verify) docs/CHANGELOG-API.md and docs/API-MIGRATION.md."""
    from omics.api import BUNDLE, generated_documents

    docs = Path(__file__).resolve().parent / "docs"
    stale = []
    for name, text in generated_documents(BUNDLE).items():
        path = docs / name
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
            print(f"wrote {path}")
    if stale:
        sys.exit(f"out of date (run python app.py api-docs): {', '.join(stale)}")


def build_parser() -> argparse.ArgumentParser:
    """The command line; each subcommand sets ``func(settings, args)``."""
    parser = argparse.ArgumentParser(prog="app.py", description=__doc__.splitlines()[0])
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1, or OMICS_HOST)")
    parser.add_argument("--port", type=int, help="port to listen on (default 5000, or PORT)")
    parser.set_defaults(func=run_all)
    roles = parser.add_subparsers(
        dest="command", metavar="{web,realtime,worker,beat,flower,build,services,...}"
    )
    connections = LoadSettings.from_env().web_connections
    connections_help = (
        "connections one gevent process serves at once (gunicorn's worker_connections; default "
        "OMICS_WEB_CONNECTIONS); progress sockets stop OMICS_WEB_HEADROOM below it"
    )
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
    web.add_argument("--connections", type=int, default=connections, help=connections_help)
    web.set_defaults(func=run_web)
    realtime = roles.add_parser(
        "realtime", help="the event sockets only, under gunicorn (scales apart from web)"
    )
    realtime.add_argument("--host", default=argparse.SUPPRESS)
    realtime.add_argument("--port", type=int, default=argparse.SUPPRESS)
    realtime.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")))
    realtime.add_argument("--worker-class", default=os.environ.get("OMICS_WEB_WORKER_CLASS", "gevent"))
    realtime.add_argument("--threads", type=int, default=int(os.environ.get("OMICS_WEB_THREADS", "64")))
    realtime.add_argument("--connections", type=int, default=connections, help=connections_help)
    realtime.set_defaults(func=run_web)
    worker = roles.add_parser("worker", help="a Celery worker on the search, maintenance and ingest queues")
    worker.add_argument(
        "--pool",
        choices=("prefork", "threads"),
        default=os.environ.get("OMICS_WORKER_POOL", "prefork"),
        help="prefork (default: enforces the time limits, a crashing search loses one child) "
        "or threads (one index in memory; time limits are not enforced)",
    )
    worker.add_argument(
        "--queues",
        default=",".join(QUEUES),
        help="comma-separated queues to consume (default: all); e.g. one worker per queue family",
    )
    worker.set_defaults(func=run_worker)
    roles.add_parser("beat", help="the Celery beat scheduler (run exactly one)").set_defaults(func=run_beat)
    flower = roles.add_parser("flower", help="Flower, the Celery monitor")
    flower.add_argument("--host", default=argparse.SUPPRESS)
    flower.add_argument("--port", type=int, default=argparse.SUPPRESS)
    flower.set_defaults(func=run_flower)
    services = roles.add_parser("services", help="the live service instances from the discovery registry")
    services.add_argument("--json", action="store_true", help="one JSON document instead of the table")
    services.set_defaults(func=run_services)
    roles.add_parser(
        "build", help="build the index and lexicon of the data directory once, before the roles start"
    ).set_defaults(func=run_build)
    add_security_commands(roles)
    add_oauth_commands(roles)
    add_ingest_commands(roles)
    add_migrate_commands(roles)
    api_docs = roles.add_parser("api-docs", help="write the API changelog and migration guide into docs/")
    api_docs.add_argument("--check", action="store_true", help="fail when the files are out of date")
    api_docs.set_defaults(func=write_api_docs)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    os.umask(PRIVATE_UMASK)  # every file a role writes in the data directory is its owner's alone
    # SIGTERM exits through atexit, so an embedded Redis this process owns is stopped with it
    # (roles that handle SIGTERM themselves, Celery and gunicorn, replace this and exit likewise).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    configure_logging()
    args = build_parser().parse_args(argv)
    if args.func is not run_web:  # gunicorn's forked workers configure their own (create_app)
        configure_tracing(args.command or "all")  # before any Celery app or Flask app is made
    func: Callable[[Settings, argparse.Namespace], None] = args.func
    func(Settings.from_env(), args)


if __name__ == "__main__":
    main(sys.argv[1:])
