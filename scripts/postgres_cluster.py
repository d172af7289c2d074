"""A PostgreSQL cluster of Abate's own, made by initdb and run by pg_ctl from Debian's server binaries: the test
suite's throw-away cluster and the one `scripts/cluster` keeps under var/ start the same way."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
from pathlib import Path

import psycopg

SUPERUSER = "abate"


def bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    if found:
        return Path(found[-1])
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl is None:
        raise RuntimeError("PostgreSQL server binaries are missing: run scripts/setup")
    return Path(pg_ctl).resolve().parent


class PostgresCluster:
    """`base` holds the data directory, the socket directory and the server's log.

    `durable=False` turns fsync off, for throw-away clusters only: a crash of the machine could corrupt one."""

    def __init__(self, base: Path, port: int, *, durable: bool) -> None:
        self.base = base
        self.port = port
        self.durable = durable
        self.data = base / "data"
        self.log = base / "postgresql.log"
        self._prefix: list[str] = []

    def url(self, database: str = "") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}".rstrip("/")

    def _own_directories(self) -> None:
        """initdb refuses to run as root: then the cluster is the postgres system user's, its directories too."""
        sockets = self.base / "sockets"
        sockets.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            for directory in (self.base, sockets):
                os.chown(directory, owner.pw_uid, owner.pw_gid)
            self._prefix = ["runuser", "-u", "postgres", "--"]

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        # Its own session, so that Ctrl-C in the terminal does not stop the server before those who use it.
        return subprocess.run(
            [*self._prefix, str(bindir() / "pg_ctl"), "-D", str(self.data), *args],
            capture_output=True,
            check=False,
            start_new_session=True,
        )

    def running(self) -> bool:
        return self._pg_ctl("status").returncode == 0

    def start(self) -> None:
        """Creates the cluster on first use; starts it unless it already runs (a supervisor killed earlier)."""
        self._own_directories()
        if not (self.data / "PG_VERSION").exists():
            initdb = [str(bindir() / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8"]
            made = subprocess.run(
                [*self._prefix, *initdb, *([] if self.durable else ["--no-sync"])], capture_output=True, check=False
            )
            if made.returncode != 0:
                raise RuntimeError(f"initdb could not make {self.data}: {made.stderr.decode().strip()}")
        if self.running():
            return
        # Room for Temporal's services as separate processes (each frontend, matching and history process pools up
        # to 30 connections: deploy/temporal/server.yaml) beside the workers and API processes; PostgreSQL's
        # default of 100 is used up by the split topology alone.
        options = f"-p {self.port} -k {self.base / 'sockets'} -c listen_addresses=127.0.0.1 -c max_connections=400"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off"
        started = self._pg_ctl("-o", options, "-l", str(self.log), "-w", "start")
        if started.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start (see {self.log}): {started.stderr.decode().strip()}")

    def create_database(self, name: str) -> None:
        with psycopg.connect(self.url("postgres").replace("+psycopg", ""), autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{name}"')

    def stop(self, *, immediately: bool = False) -> None:
        self._pg_ctl("-m", "immediate" if immediately else "fast", "-w", "stop")
