"""The Vækstpilot rules come from data/reference/vaekstpilot.json; loading is idempotent, so every test
starts from the file's rule (until load_reference_data calls the loader itself)."""

import pytest


@pytest.fixture(autouse=True)
def vaekstpilot_config(db):
    from viaviden.reference.loader import DATA_DIR
    from viaviden.vaekstpilot.loader import load_vaekstpilot_config

    load_vaekstpilot_config(DATA_DIR)
