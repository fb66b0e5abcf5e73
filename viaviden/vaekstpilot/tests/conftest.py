"""The Vækstpilot rules come from data/reference/vaekstpilot.json, loaded with the rest of the reference
data once per test session (root conftest.py); transactional tests load it themselves."""
