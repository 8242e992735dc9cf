"""Backup and restore at the knowledge-base level: damaged backups are refused and nothing is
written. (Round trips through `praktijkwijzer export` / `import-backup`: tests/web/cli/test_backup_cli.py.)"""
from __future__ import annotations

import io

import pytest

from kb.backup import BackupError, export, import_backup
from kb.db import connect


@pytest.mark.parametrize("damage, message", [
    (lambda lines: lines[:-1], "onvolledig: het einde ontbreekt"),
    (lambda lines: lines[:40], "onvolledig: het einde ontbreekt"),
    (lambda lines: [x.replace("Pluryn", "Plurijn") for x in lines], "controlesom"),
    (lambda lines: [lines[0], "{kapot", *lines[1:]], "geen geldige JSON"),
    (lambda lines: ['{"kind": "header", "format": "iets anders"}', *lines[1:]], "geen back-up van Praktijkwijzer"),
    (lambda lines: [], "leeg"),
])
def test_damaged_backups_are_refused_and_nothing_is_written(curated, tmp_path, capsys, damage, message):
    buf = io.StringIO()
    export(connect(curated), buf)
    lines = damage(buf.getvalue().splitlines())
    target = connect(tmp_path / "leeg.db")
    with pytest.raises(BackupError, match=message):
        import_backup(target, [line + "\n" for line in lines])
    assert target.execute("SELECT count(*) FROM entries").fetchone()[0] == 0
    assert target.execute("SELECT count(*) FROM taxonomy").fetchone()[0] == 0
