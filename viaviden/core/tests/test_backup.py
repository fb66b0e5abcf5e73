"""Backup → restore into an empty database: every table's row count and content checksum identical, on the
database the suite runs on (SQLite or PostgreSQL); media included; other secrets refused (issue 12)."""

import copy
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from viaviden.core.backup import BackupError, current_checksums, database_checksums, read_manifest, restore
from viaviden.matches.tests.factories import make_match

pytestmark = pytest.mark.django_db(transaction=True)
PASSPHRASE = "korrekt hest batteri hæfteklamme"


@pytest.fixture
def empty_database(tmp_path):
    """Settings of a new, empty database of the same engine as the suite's."""
    created = []

    def make(suffix: str) -> dict:
        db = copy.deepcopy(connection.settings_dict)
        if connection.vendor == "sqlite":
            db["NAME"] = str(tmp_path / f"restored-{suffix}.sqlite3")
            return db
        import psycopg

        from viaviden.core.backup import _pg_url

        db["NAME"] = f"{connection.settings_dict['NAME']}_restore_{suffix}"[:63]
        with psycopg.connect(_pg_url({**db, "NAME": "postgres"}), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}"')
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')
        created.append(db)
        return db

    yield make
    if created:
        import psycopg

        from viaviden.core.backup import _pg_url

        with psycopg.connect(_pg_url({**created[0], "NAME": "postgres"}), autocommit=True) as conn:
            for db in created:
                conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')


@pytest.fixture
def populated(tmp_path):
    from viaviden.reference.loader import load_reference_data

    load_reference_data()  # transactional tests start from an empty database
    for i in range(3):
        make_match(person_name=f"Syntetisk Person {i}", person_email=f"p{i}@example.dk", person_consent=True)
    media = tmp_path / "media"
    (media / "cases").mkdir(parents=True)
    (media / "cases" / "billede.png").write_bytes(b"\x89PNG synthetic")
    return media


def test_backup_then_restore_into_an_empty_database_is_identical(populated, empty_database, tmp_path):
    output = tmp_path / "backups" / "viaviden-2026-12-06.vvvbak"
    with override_settings(MEDIA_ROOT=populated):
        call_command("backup", "--output", str(output), stdout=io.StringIO())
    source = current_checksums()
    manifest = read_manifest(output.read_bytes())
    assert manifest["tables"] == source
    assert source["matches_match"]["rows"] == 3
    assert sum(t["rows"] for t in source.values()) > 1000  # reference data and all

    target = empty_database("plain")
    restored_media = tmp_path / "restored-media"
    with override_settings(MEDIA_ROOT=restored_media):
        result = restore(output, db=target)

    assert database_checksums(target) == source
    assert result.tables == len(source)
    assert (restored_media / "cases" / "billede.png").read_bytes() == b"\x89PNG synthetic"


def test_restore_refuses_other_secrets_a_non_empty_database_and_a_wrong_passphrase(
        populated, empty_database, tmp_path, monkeypatch):
    output = tmp_path / "encrypted.vvvbak"
    monkeypatch.setenv("BACKUP_PASSPHRASE", PASSPHRASE)
    with override_settings(MEDIA_ROOT=populated):
        call_command("backup", "--output", str(output), "--encrypt", stdout=io.StringIO())
    assert b"matches_match" not in output.read_bytes()
    target = empty_database("refusals")

    with override_settings(PERSON_KEY_PEPPER="another-pepper"), pytest.raises(BackupError, match="PERSON_KEY_PEPPER"):
        restore(output, db=target, passphrase=PASSPHRASE)
    with pytest.raises(BackupError, match="adgangsfrase"):
        restore(output, db=target, passphrase="forkert frase!!")
    assert database_checksums(target) == {}  # nothing was written

    with override_settings(MEDIA_ROOT=tmp_path / "m2"):
        restore(output, db=target, passphrase=PASSPHRASE)
        with pytest.raises(BackupError, match="ikke tom"):
            restore(output, db=target, passphrase=PASSPHRASE)
        restore(output, db=target, passphrase=PASSPHRASE, replace=True)
    assert database_checksums(target) == current_checksums()


def test_rotation_keeps_the_newest(populated, tmp_path):
    folder = tmp_path / "rot"
    for day in ("01", "02", "03"):
        call_command("backup", "--output", str(folder / f"viaviden-2026-12-{day}.vvvbak"), "--no-media",
                     "--keep", "2", stdout=io.StringIO())

    assert sorted(p.name for p in folder.iterdir()) == ["viaviden-2026-12-02.vvvbak", "viaviden-2026-12-03.vvvbak"]
    assert Path(folder).stat().st_mode  # the folder is there
