-- The image each compose service of a service's stacks ran when a reconcile (or the rollback it made) found the
-- host healthy: the stack and compose service, the image as the compose file named it ('' for a build), the
-- engine's image ID, and the repository digest (NULL when the image has none). A table of its own rather than a
-- column of service_outcomes: one row per compose service, each value in a column of its own that can be queried
-- ("which applies ran this digest?") and is deleted with its outcome; rows older than this version have none.

CREATE TABLE service_images (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    outcome_id      INTEGER NOT NULL REFERENCES service_outcomes (id) ON DELETE CASCADE,
    stack           TEXT    NOT NULL,
    compose_service TEXT    NOT NULL,
    reference       TEXT    NOT NULL,
    image_id        TEXT    NOT NULL,
    digest          TEXT
);
CREATE INDEX service_images_outcome ON service_images (outcome_id);
CREATE INDEX service_images_digest ON service_images (digest);
