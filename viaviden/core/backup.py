"""Backup and restore of the whole platform: the database (SQLite through its online backup API,
PostgreSQL through pg_dump/pg_restore) and the uploaded media, in one file, optionally encrypted.

The file is a gzip'd tar with `manifest.json` (format, engine, applied migrations, every table's row count
and content checksum, and a fingerprint of the secrets), the database and `media/`. The fingerprint is an
HMAC of SECRET_KEY and PERSON_KEY_PEPPER, never the secrets: a restore under other secrets is refused,
because pseudonymous person keys (HMACs with the pepper) and signed links would silently stop matching.
After a restore every table's count and checksum is compared with the manifest."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connections

FORMAT = 1
ENCRYPTED_MAGIC = b"VVVBACKUP-ENCRYPTED-1\n"
SCRYPT = {"n": 2**15, "r": 8, "p": 1}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why (Danish)."""


# --- Secrets fingerprint and encryption -------------------------------------------------------------


def secrets_fingerprint() -> str:
    """An HMAC over both secrets: equal exactly when both are equal; reveals neither."""
    message = b"viaviden-backup-fingerprint\0" + settings.PERSON_KEY_PEPPER.encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _fernet(passphrase: str, salt: bytes):
    from cryptography.fernet import Fernet

    key = hashlib.scrypt(passphrase.encode(), salt=salt, dklen=32, maxmem=128 * 1024 * 1024, **SCRYPT)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(data: bytes, passphrase: str) -> bytes:
    salt = os.urandom(16)
    return ENCRYPTED_MAGIC + salt + _fernet(passphrase, salt).encrypt(data)


def decrypt(blob: bytes, passphrase: str | None) -> bytes:
    from cryptography.fernet import InvalidToken

    if not passphrase:
        raise BackupError("Sikkerhedskopien er krypteret: angiv adgangsfrasen (BACKUP_PASSPHRASE).")
    salt, token = blob[len(ENCRYPTED_MAGIC):len(ENCRYPTED_MAGIC) + 16], blob[len(ENCRYPTED_MAGIC) + 16:]
    try:
        return _fernet(passphrase, salt).decrypt(token)
    except InvalidToken:
        raise BackupError("Forkert adgangsfrase, eller sikkerhedskopien er beskadiget.") from None


# --- Table checksums ---------------------------------------------------------------------------------


def _sqlite_checksums(conn: sqlite3.Connection) -> dict[str, dict]:
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    result = {}
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        columns = ['"' + r[1].replace('"', '""') + '"' for r in conn.execute(f"PRAGMA table_info({quoted})")]
        # quote() gives each value as SQL text: independent of Python's type converters on the connection.
        row_text = " || '|' || ".join(f"quote({c})" for c in columns)
        digest, count = hashlib.sha256(), 0
        for (text,) in conn.execute(f"SELECT {row_text} FROM {quoted} ORDER BY 1"):  # noqa: S608
            digest.update(text.encode() + b"\n")
            count += 1
        result[table] = {"rows": count, "sha256": digest.hexdigest()}
    return result


def _pg_checksums(cursor) -> dict[str, dict]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    result = {}
    for (table,) in cursor.fetchall():
        quoted = '"' + table.replace('"', '""') + '"'
        cursor.execute(f"SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') "  # noqa: S608
                       f"FROM {quoted} t")
        count, digest = cursor.fetchone()
        result[table] = {"rows": count, "md5": digest}
    return result


def database_checksums(db: dict) -> dict[str, dict]:
    """Every table's row count and content checksum of the database described by a settings dict."""
    if _engine(db) == "sqlite":
        conn = sqlite3.connect(db["NAME"])
        try:
            return _sqlite_checksums(conn)
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(_pg_url(db)) as conn, conn.cursor() as cursor:
        return _pg_checksums(cursor)


def current_checksums(alias: str = "default") -> dict[str, dict]:
    """The same checksums, read through Django's own connection (also an in-memory test database)."""
    connection = connections[alias]
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return _sqlite_checksums(connection.connection)
    with connection.cursor() as cursor:
        return _pg_checksums(cursor)


# --- Engines -------------------------------------------------------------------------------------------


def _engine(db: dict) -> str:
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(f"Databasetypen understøttes ikke: {engine}")


def _pg_url(db: dict) -> str:
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{auth}{host}{port}/{quote(db['NAME'], safe='')}"


def _run(args: list[str]) -> None:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=3600)  # noqa: S603 - fixed tools
    except FileNotFoundError:
        raise BackupError(f"{args[0]} findes ikke: installér PostgreSQL-klientværktøjerne (postgresql-client).") \
            from None
    if done.returncode != 0:
        raise BackupError(f"{args[0]} fejlede: {done.stderr.strip()[-2000:]}")


def _applied_migrations(alias: str = "default") -> list[str]:
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connections[alias])
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


# --- Backup ---------------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    tables: int
    rows: int
    media_files: int
    encrypted: bool
    removed: list[Path]


def _dump_sqlite(alias: str, target: Path) -> dict[str, dict]:
    connection = connections[alias]
    connection.ensure_connection()
    dest = sqlite3.connect(target)
    try:
        connection.connection.backup(dest)  # a consistent copy, even while the platform is in use
    finally:
        dest.close()
    conn = sqlite3.connect(target)
    try:
        return _sqlite_checksums(conn)
    finally:
        conn.close()


def _dump_postgresql(db: dict, target: Path) -> dict[str, dict]:
    import psycopg

    # One snapshot for the dump and the checksums: what is counted is exactly what is dumped.
    with psycopg.connect(_pg_url(db)) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
              f"--file={target}", f"--dbname={_pg_url(db)}"])
        with conn.cursor() as cursor:
            checksums = _pg_checksums(cursor)
        conn.rollback()
    return checksums


def rotate(output: Path, keep: int) -> list[Path]:
    """Keep the newest `keep` backups beside `output` (same suffix, same name before the first digit)."""
    stem = output.name.split(".")[0]
    prefix = stem.rstrip("0123456789-_T:")
    siblings = sorted(
        (p for p in output.parent.glob(f"{prefix}*{''.join(output.suffixes)}") if p.is_file()),
        key=lambda p: p.stat().st_mtime, reverse=True)
    removed = siblings[keep:]
    for path in removed:
        path.unlink()
    return removed


def backup(output: Path, *, passphrase: str | None = None, media: bool = True, keep: int | None = None,
           alias: str = "default") -> BackupResult:
    """Write one backup file; with a passphrase it is encrypted (Fernet, key from scrypt)."""
    db = connections[alias].settings_dict
    engine = _engine(db)
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="viaviden-backup-") as tmp:
        dump = Path(tmp) / ("db.sqlite3" if engine == "sqlite" else "db.pgdump")
        checksums = _dump_sqlite(alias, dump) if engine == "sqlite" else _dump_postgresql(db, dump)
        media_files = sorted(p for p in media_root.rglob("*") if p.is_file()) if media and media_root.is_dir() else []
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "engine": engine,
            "database_file": dump.name,
            "migrations": _applied_migrations(alias),
            "tables": checksums,
            "media_files": len(media_files),
            "secrets_fingerprint": secrets_fingerprint(),
        }
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            data = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime = len(data), int(dt.datetime.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=dump.name)
            for path in media_files:
                tar.add(path, arcname="media/" + path.relative_to(media_root).as_posix())
        blob = buffer.getvalue()
    if passphrase:
        blob = encrypt(blob, passphrase)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    partial.write_bytes(blob)
    os.chmod(partial, 0o600)  # personal data: readable by the service account only
    partial.replace(output)
    removed = rotate(output, keep) if keep else []
    return BackupResult(path=output, tables=len(checksums), rows=sum(t["rows"] for t in checksums.values()),
                        media_files=len(media_files), encrypted=bool(passphrase), removed=removed)


# --- Restore --------------------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    tables: int
    rows: int
    media_files: int
    created_at: str


def read_manifest(blob: bytes) -> dict:
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        member = tar.extractfile("manifest.json")
        if member is None:
            raise BackupError("Filen er ikke en sikkerhedskopi fra platformen (manifest.json mangler).")
        return json.loads(member.read())


def _is_empty(db: dict) -> bool:
    if _engine(db) == "sqlite":
        if not Path(db["NAME"]).exists():
            return True
        conn = sqlite3.connect(db["NAME"])
        try:
            return not conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(_pg_url(db)) as conn:
        return not conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()").fetchone()[0]


def restore(path: Path, *, db: dict | None = None, passphrase: str | None = None, replace: bool = False) -> RestoreResult:
    """Restore a backup into the database `db` (a settings dict; default: this platform's) and MEDIA_ROOT.
    Refuses a backup made under other secrets, of another engine, or an existing database without `replace`."""
    db = db or connections["default"].settings_dict
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise BackupError(f"Kan ikke læse {path}: {exc.strerror}") from None
    if blob.startswith(ENCRYPTED_MAGIC):
        blob = decrypt(blob, passphrase)
    try:
        manifest = read_manifest(blob)
    except (tarfile.TarError, KeyError, ValueError, OSError):
        raise BackupError("Filen er ikke en sikkerhedskopi fra platformen, eller den er beskadiget.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Ukendt format for sikkerhedskopi: {manifest.get('format')}.")
    if not hmac.compare_digest(manifest.get("secrets_fingerprint", ""), secrets_fingerprint()):
        raise BackupError(
            "Sikkerhedskopien er lavet med en anden SECRET_KEY eller PERSON_KEY_PEPPER. Genskab med de samme "
            "hemmeligheder som da den blev taget; ellers passer personnøgler og udsendte links ikke længere.")
    engine = _engine(db)
    if manifest["engine"] != engine:
        raise BackupError(f"Sikkerhedskopien er fra {manifest['engine']}, men databasen her er {engine}.")
    if not replace and not _is_empty(db):
        raise BackupError("Databasen er ikke tom. Brug --replace for at overskrive den med sikkerhedskopien.")
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="viaviden-restore-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
            tar.extractall(tmp, filter="data")
        dump = Path(tmp) / manifest["database_file"]
        for alias in connections:
            connections[alias].close()
        if engine == "sqlite":
            source, target = sqlite3.connect(dump), sqlite3.connect(db["NAME"])
            try:
                source.backup(target)  # replaces every page of the target
            finally:
                source.close()
                target.close()
        else:
            args = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={_pg_url(db)}"]
            if replace:
                args += ["--clean", "--if-exists"]
            else:
                args += ["--single-transaction"]
            _run([*args, str(dump)])
        media_source = Path(tmp) / "media"
        if media_source.is_dir():
            media_root.mkdir(parents=True, exist_ok=True)
            shutil.copytree(media_source, media_root, dirs_exist_ok=True)
    restored = database_checksums(db)
    expected = manifest["tables"]
    differing = sorted(t for t in set(expected) | set(restored) if expected.get(t) != restored.get(t))
    if differing:
        raise BackupError("Genskabt, men disse tabeller afviger fra sikkerhedskopien: " + ", ".join(differing))
    return RestoreResult(tables=len(expected), rows=sum(t["rows"] for t in expected.values()),
                         media_files=manifest.get("media_files", 0), created_at=manifest["created_at"])
