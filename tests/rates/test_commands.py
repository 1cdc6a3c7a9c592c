"""manage.py import_rates FILE: progress on stderr, the counts on stdout, a plain error (exit 1) on a bad file."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from rates.models import Rate
from tests.rates.conftest import NEWER, zipped

pytestmark = pytest.mark.django_db


def _run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_rates", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_imports_and_prints_the_counts(db, tmp_path):
    path = tmp_path / "eurofxref-hist.zip"
    path.write_bytes(zipped(NEWER))
    out, err = _run(str(path))
    assert out == "Added 5 rates on 2 new publication days; last publication day: 2027-01-08.\n"
    assert f"Reading {path}" in err
    assert Rate.objects.filter(day__year=2027).count() == 5
    out, _ = _run(str(path))
    assert out == "Added 0 rates on 0 new publication days; last publication day: 2027-01-08.\n"


def test_a_bad_file_is_a_plain_error_and_writes_nothing(db, tmp_path):
    path = tmp_path / "eurofxref-hist.csv"
    path.write_bytes(NEWER.replace(b"0.8600", b"zero"))
    before = Rate.objects.count()
    with pytest.raises(CommandError, match=r"is not the ECB's history file: Line 2, GBP: 'zero' is not a positive"):
        _run(str(path))
    assert Rate.objects.count() == before


def test_a_missing_file_is_a_plain_error(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        _run(str(tmp_path / "nothing.csv"))


def test_the_command_exits_non_zero_on_a_bad_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"not,the,ecb\n")
    manage = Path(__file__).resolve().parents[2] / "manage.py"
    # settings only: the command fails while reading the file, before it touches the database
    result = subprocess.run(
        [sys.executable, str(manage), "import_rates", str(path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "CommandError: " in result.stderr and 'first column must be "Date"' in result.stderr
