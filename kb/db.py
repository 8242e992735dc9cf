"""SQLite storage: connection settings, schema and forward-only migrations.

The database is the source of truth; every index is derived from it and can be
rebuilt. Schema changes are appended to MIGRATIONS and never edited afterwards:
`PRAGMA user_version` records how many have been applied.
"""
from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

DEFAULT_DB = Path("var") / "praktijkwijzer.db"

MIGRATIONS: list[str] = [
    # 1: the knowledge base
    """
    CREATE TABLE documents (
        id          TEXT PRIMARY KEY,
        path        TEXT NOT NULL,
        title       TEXT NOT NULL,
        publisher   TEXT,
        date        TEXT,
        licence     TEXT,
        format      TEXT NOT NULL,
        encoding    TEXT,
        sha256      TEXT NOT NULL,
        text        TEXT NOT NULL,          -- extracted text; provenance spans index into it
        ingested_at TEXT NOT NULL
    );
    CREATE TABLE taxonomy (
        id          TEXT NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('actielijn', 'thema', 'branche')),
        label       TEXT NOT NULL,
        ord         INTEGER NOT NULL,
        data        TEXT NOT NULL DEFAULT '{}',   -- JSON: sections, headings, keywords
        PRIMARY KEY (kind, id)
    );
    CREATE TABLE regions (
        id          TEXT PRIMARY KEY,
        number      INTEGER,
        name        TEXT NOT NULL,
        full_name   TEXT NOT NULL,
        scope       TEXT NOT NULL CHECK (scope IN ('regio', 'landelijk'))
    );
    CREATE TABLE region_aliases (
        alias       TEXT NOT NULL,
        region_id   TEXT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
        PRIMARY KEY (alias, region_id)
    );
    CREATE TABLE organisations (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        kind        TEXT NOT NULL DEFAULT 'organisatie',
        source      TEXT                      -- where we know it from
    );
    CREATE TABLE organisation_aliases (
        alias           TEXT NOT NULL,
        organisation_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
        PRIMARY KEY (alias, organisation_id)
    );
    CREATE TABLE organisation_regions (
        organisation_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
        region_id       TEXT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
        PRIMARY KEY (organisation_id, region_id)
    );
    CREATE TABLE entries (
        id            TEXT PRIMARY KEY,
        type          TEXT NOT NULL CHECK (type IN ('praktijk', 'advies', 'bouwsteen', 'beleid')),
        label         TEXT,                 -- praktijk: Koploper / Falend Vooruit / voorbeeld
        title         TEXT NOT NULL,
        summary       TEXT NOT NULL DEFAULT '',
        body          TEXT NOT NULL CHECK (length(trim(body)) > 0),
        audience      TEXT,                 -- advies: regio / landelijk
        number        TEXT,                 -- bouwsteen: I..IX; beleid: section number
        results       TEXT NOT NULL DEFAULT '[]',  -- JSON list of quantified results
        keywords      TEXT NOT NULL DEFAULT '[]',  -- JSON list of lemmas
        status        TEXT NOT NULL DEFAULT 'gepubliceerd'
                      CHECK (status IN ('concept', 'ter_review', 'gepubliceerd', 'gearchiveerd')),
        origin        TEXT NOT NULL DEFAULT 'ingest' CHECK (origin IN ('ingest', 'curator')),
        edited_fields TEXT NOT NULL DEFAULT '[]',  -- JSON: fields a curator changed; ingest keeps them
        version       INTEGER NOT NULL DEFAULT 1,
        content_hash  TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
    );
    CREATE INDEX entries_type ON entries(type);
    CREATE INDEX entries_status ON entries(status);
    CREATE TABLE entry_sources (
        entry_id    TEXT NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
        ord         INTEGER NOT NULL,
        document_id TEXT NOT NULL REFERENCES documents(id),
        heading     TEXT NOT NULL,          -- section path in the document
        start       INTEGER NOT NULL,       -- character span in documents.text
        end         INTEGER NOT NULL CHECK (end > start),
        PRIMARY KEY (entry_id, ord)
    );
    CREATE INDEX entry_sources_doc ON entry_sources(document_id);
    CREATE TABLE entry_taxonomy (
        entry_id    TEXT NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
        kind        TEXT NOT NULL,
        value       TEXT NOT NULL,
        ord         INTEGER NOT NULL DEFAULT 0,   -- first theme = the section's theme
        PRIMARY KEY (entry_id, kind, value),
        FOREIGN KEY (kind, value) REFERENCES taxonomy(kind, id)
    );
    CREATE TABLE entry_regions (
        entry_id    TEXT NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
        region_id   TEXT NOT NULL REFERENCES regions(id),
        PRIMARY KEY (entry_id, region_id)
    );
    CREATE TABLE entry_organisations (
        entry_id        TEXT NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
        organisation_id TEXT NOT NULL REFERENCES organisations(id),
        PRIMARY KEY (entry_id, organisation_id)
    );
    CREATE TABLE chunks (
        id          INTEGER PRIMARY KEY,
        entry_id    TEXT NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
        ord         INTEGER NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('entry', 'passage')),
        text        TEXT NOT NULL,
        UNIQUE (entry_id, ord)
    );
    CREATE TABLE entry_versions (
        entry_id    TEXT NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
        version     INTEGER NOT NULL,
        data        TEXT NOT NULL,          -- JSON snapshot of the entry
        actor       TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        PRIMARY KEY (entry_id, version)
    );
    CREATE TABLE audit_events (
        id          INTEGER PRIMARY KEY,
        at          TEXT NOT NULL,
        actor       TEXT NOT NULL,
        action      TEXT NOT NULL,
        entity      TEXT NOT NULL,
        entity_id   TEXT,
        details     TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX audit_entity ON audit_events(entity, entity_id);
    """,
    # 2: regional plans and their bottlenecks
    """
    CREATE TABLE plans (
        id          TEXT PRIMARY KEY,
        region_id   TEXT REFERENCES regions(id),
        title       TEXT NOT NULL,
        example     INTEGER NOT NULL DEFAULT 0,      -- 1: illustrative example plan ("voorbeeld")
        source      TEXT,                             -- file name or 'ingevoerd'
        format      TEXT,
        sha256      TEXT,
        text        TEXT NOT NULL DEFAULT '',          -- bottleneck spans index into it
        metadata    TEXT NOT NULL DEFAULT '{}',
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
    );
    CREATE INDEX plans_region ON plans(region_id);
    CREATE TABLE bottlenecks (
        id          INTEGER PRIMARY KEY,
        plan_id     TEXT NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
        ord         INTEGER NOT NULL,
        text        TEXT NOT NULL CHECK (length(trim(text)) > 0),
        weight      REAL NOT NULL DEFAULT 1.0 CHECK (weight > 0),
        actielijnen TEXT NOT NULL DEFAULT '[]',
        themes      TEXT NOT NULL DEFAULT '[]',
        branches    TEXT NOT NULL DEFAULT '[]',
        start       INTEGER,
        end         INTEGER,
        origin      TEXT NOT NULL DEFAULT 'extracted' CHECK (origin IN ('extracted', 'user')),
        UNIQUE (plan_id, ord)
    );
    """,
    # 3: curation: accounts, and import batches whose proposals a curator accepts, merges or rejects
    """
    CREATE TABLE users (
        id            INTEGER PRIMARY KEY,
        username      TEXT NOT NULL UNIQUE,          -- stored lowercase
        password_hash TEXT NOT NULL,                 -- argon2id (PHC string)
        role          TEXT NOT NULL CHECK (role IN ('curator', 'beheerder')),
        active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        created_at    TEXT NOT NULL,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until  TEXT                           -- ISO time; login refused until then
    );
    CREATE TABLE account_events (                    -- audit of accounts (not part of a backup)
        id          INTEGER PRIMARY KEY,
        at          TEXT NOT NULL,
        actor       TEXT NOT NULL,
        action      TEXT NOT NULL,
        username    TEXT NOT NULL,
        details     TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE import_batches (
        id            INTEGER PRIMARY KEY,
        filename      TEXT NOT NULL,
        format        TEXT NOT NULL,
        sha256        TEXT NOT NULL,                 -- of the uploaded bytes
        document_id   TEXT NOT NULL,                 -- id the document gets once a proposal is taken over
        title         TEXT NOT NULL,
        text          TEXT NOT NULL,                 -- extracted text; proposal spans index into it
        organisations TEXT NOT NULL DEFAULT '[]',    -- JSON: organisations the document introduces
        warnings      TEXT NOT NULL DEFAULT '[]',
        uploaded_by   TEXT NOT NULL,
        created_at    TEXT NOT NULL
    );
    CREATE INDEX import_batches_sha ON import_batches(sha256);
    CREATE TABLE proposals (
        id             INTEGER PRIMARY KEY,
        batch_id       INTEGER NOT NULL REFERENCES import_batches(id) ON DELETE CASCADE,
        ord            INTEGER NOT NULL,
        draft          TEXT NOT NULL,                -- JSON: the proposed entry
        duplicate_of   TEXT REFERENCES entries(id) ON DELETE SET NULL,
        semantic_score REAL,                         -- cosine similarity to duplicate_of
        lexical_score  REAL,                         -- 0..1 word overlap (tf-idf cosine) with duplicate_of
        title_score    REAL,                         -- 0..1 title similarity to duplicate_of
        score          REAL,                         -- combined; >= threshold: near-duplicate
        is_duplicate   INTEGER NOT NULL DEFAULT 0 CHECK (is_duplicate IN (0, 1)),
        status         TEXT NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'accepted', 'merged', 'rejected')),
        entry_id       TEXT,                         -- the entry created or merged into
        decided_by     TEXT,
        decided_at     TEXT,
        UNIQUE (batch_id, ord)
    );
    CREATE INDEX proposals_status ON proposals(status);
    """,
    # 4: provenance of entries a curator writes: the text as first written, kept as a document
    """
    CREATE TABLE curator_documents (
        document_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
        entry_id    TEXT NOT NULL,
        author      TEXT NOT NULL,
        created_at  TEXT NOT NULL
    );
    """,
    # 5: server-side sessions (ended by logout, password change, disabling, "log out everywhere"
    # and idle time) and login throttling with back-off (kb.throttle); times are unix seconds
    """
    CREATE TABLE sessions (
        token_hash  TEXT PRIMARY KEY,               -- SHA-256 of the token; the token is only in the cookie
        user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created     REAL NOT NULL,
        last_seen   REAL NOT NULL,
        expires     REAL NOT NULL,                  -- absolute end, however active the session is
        client      TEXT NOT NULL DEFAULT '',       -- client address at login
        user_agent  TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX sessions_user ON sessions(user_id);
    CREATE INDEX sessions_expires ON sessions(expires);
    CREATE TABLE login_throttle (
        scope         TEXT NOT NULL CHECK (scope IN ('account', 'client')),
        key           TEXT NOT NULL,                -- SHA-256 of (address, username) or of the address
        account       TEXT,                         -- SHA-256 of the username (scope 'account')
        failures      INTEGER NOT NULL,
        last_failure  REAL NOT NULL,
        blocked_until REAL NOT NULL,
        PRIMARY KEY (scope, key)
    );
    CREATE INDEX login_throttle_account ON login_throttle(account);
    CREATE INDEX login_throttle_last ON login_throttle(last_failure);
    """,
    # 6: curation the Actie Leer Netwerk can vouch for: the practice card, recognition levels with
    # their assessments, and pending revisions of published entries (four-eyes review, kb.review)
    """
    ALTER TABLE entries ADD COLUMN card TEXT NOT NULL DEFAULT '{}';      -- JSON: filled practice-card fields
    ALTER TABLE entries ADD COLUMN erkenning TEXT NOT NULL DEFAULT 'niet_beoordeeld'
        CHECK (erkenning IN ('niet_beoordeeld', 'goed_beschreven', 'goed_onderbouwd', 'effectief'));
    CREATE INDEX entries_erkenning ON entries(erkenning);
    CREATE TABLE entry_assessments (
        id          INTEGER PRIMARY KEY,
        entry_id    TEXT NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
        kind        TEXT NOT NULL CHECK (kind IN ('erkenning', 'koploper')),
        value       TEXT NOT NULL,                 -- erkenning: the level; koploper: 'koploper' / 'geen_koploper'
        criteria    TEXT NOT NULL DEFAULT '{}',    -- JSON (koploper): {criterion: {"met": bool, "note": str}}
        reasoning   TEXT NOT NULL,
        assessed_by TEXT NOT NULL,
        assessed_on TEXT NOT NULL,                 -- the date of the assessment (ISO)
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX entry_assessments_entry ON entry_assessments(entry_id, kind);
    CREATE TABLE entry_revisions (
        id            INTEGER PRIMARY KEY,
        entry_id      TEXT NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
        base_version  INTEGER NOT NULL,            -- the published version the revision started from
        kind          TEXT NOT NULL CHECK (kind IN ('edit', 'merge', 'restore')),
        status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'approved', 'rejected', 'withdrawn')),
        seq           INTEGER NOT NULL DEFAULT 1,  -- its latest state in revision_versions
        authors       TEXT NOT NULL DEFAULT '[]',  -- JSON: everyone who changed it (none of them may approve)
        details       TEXT NOT NULL DEFAULT '{}',  -- JSON: e.g. the import proposals merged into it
        created_by    TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL,
        decided_by    TEXT,
        decided_at    TEXT,
        reason        TEXT,                        -- a rejection's reason, or a beheerder's override
        published_version INTEGER                  -- the entry version its approval created
    );
    CREATE UNIQUE INDEX entry_revisions_open ON entry_revisions(entry_id) WHERE status = 'open';
    CREATE TABLE revision_versions (
        revision_id INTEGER NOT NULL REFERENCES entry_revisions(id) ON DELETE CASCADE,
        seq         INTEGER NOT NULL,
        data        TEXT NOT NULL,                 -- JSON snapshot of the proposed entry
        actor       TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        PRIMARY KEY (revision_id, seq)
    );
    """,
    # 7: per-client token buckets for expensive anonymous requests (kb.budgets), shared by every
    # server process; times are unix seconds
    """
    CREATE TABLE request_budgets (
        key         TEXT PRIMARY KEY,               -- SHA-256 of (budget name, client); no address is stored
        level       REAL NOT NULL,                  -- units left at time `at`
        at          REAL NOT NULL,
        full_at     REAL NOT NULL                   -- when the bucket is full again (the row can go then)
    );
    CREATE INDEX request_budgets_full ON request_budgets(full_at);
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNew(RuntimeError):
    pass


def db_path(path: str | os.PathLike | None = None) -> Path:
    """The database location: argument, else $PRAKTIJKWIJZER_DB, else ./var/praktijkwijzer.db."""
    if path:
        return Path(path)
    env = os.environ.get("PRAKTIJKWIJZER_DB")
    return Path(env) if env else DEFAULT_DB


def connect(path: str | os.PathLike | None = None, *, migrate: bool = True) -> sqlite3.Connection:
    p = db_path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(p, timeout=30, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    if migrate:
        apply_migrations(conn)
    return conn


def apply_migrations(conn: sqlite3.Connection) -> int:
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"De database heeft schemaversie {current}, nieuwer dan deze versie van "
            f"Praktijkwijzer ({SCHEMA_VERSION}). Werk Praktijkwijzer bij."
        )
    for version in range(current, SCHEMA_VERSION):
        with transaction(conn):
            if conn.execute("PRAGMA user_version").fetchone()[0] > version:
                continue                # another process or thread applied it meanwhile
            for statement in _split_sql(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
    return SCHEMA_VERSION


def _split_sql(script: str) -> list[str]:
    """Split a script into statements (comments may contain ';')."""
    statements, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements


_OWNERS: dict[int, int] = {}          # id(connection) -> thread that holds its open transaction


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction (BEGIN IMMEDIATE); rolled back on any exception. A nested call
    from the same thread joins the outer transaction; from another thread it is refused (a
    connection must not be shared by threads that write: their transactions would mix)."""
    if conn.in_transaction:
        owner = _OWNERS.get(id(conn))
        if owner is not None and owner != threading.get_ident():
            raise RuntimeError("Deze databaseverbinding is in gebruik door een andere thread.")
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    _OWNERS[id(conn)] = threading.get_ident()
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
    finally:
        _OWNERS.pop(id(conn), None)
