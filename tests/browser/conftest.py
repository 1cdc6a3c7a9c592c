"""The admin browser tests use the browser fixtures of tests/conftest.py."""
