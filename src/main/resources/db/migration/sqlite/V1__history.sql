-- The history of the agent's reconciles (SQLite). Enumerations are stored by name (APPLY,
-- SUCCEEDED, ...); times are UTC instants as fixed-width ISO-8601 text to the microsecond
-- (2026-11-23T14:00:01.250000Z), which sorts in time order and suits SQLite's date functions.

CREATE TABLE reconciles (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    triggered_by TEXT,
    commit_id    TEXT,
    author       TEXT,
    message      TEXT,
    started_at   TEXT NOT NULL,
    finished_at  TEXT NOT NULL,
    result       TEXT NOT NULL,
    error        TEXT
);
CREATE INDEX reconciles_newest ON reconciles (started_at DESC, id DESC);
CREATE INDEX reconciles_kind_result ON reconciles (kind, result, started_at DESC, id DESC);

CREATE TABLE service_outcomes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    reconcile_id INTEGER NOT NULL REFERENCES reconciles (id) ON DELETE CASCADE,
    host         TEXT NOT NULL,
    service      TEXT,
    status       TEXT NOT NULL,
    error        TEXT
);
CREATE INDEX service_outcomes_reconcile ON service_outcomes (reconcile_id);
CREATE INDEX service_outcomes_host ON service_outcomes (host, service, reconcile_id);
CREATE INDEX service_outcomes_service ON service_outcomes (service, reconcile_id);

CREATE TABLE resource_changes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    outcome_id INTEGER NOT NULL REFERENCES service_outcomes (id) ON DELETE CASCADE,
    path       TEXT NOT NULL,
    action     TEXT NOT NULL,
    cause      TEXT,
    diff       TEXT
);
CREATE INDEX resource_changes_outcome ON resource_changes (outcome_id);
