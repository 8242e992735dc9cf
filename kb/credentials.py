"""The stored password hash of an account, which the web's signed session cookie is bound
to (a fingerprint of it): changing a password or disabling an account ends its sessions.
Kept apart from kb.users, which never hands a hash out."""
from __future__ import annotations

import sqlite3


def password_hash(conn: sqlite3.Connection, user_id: int) -> str | None:
    row = conn.execute("SELECT password_hash FROM users WHERE id = ?", (user_id,)).fetchone()
    return row[0] if row else None
