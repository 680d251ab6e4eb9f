-- crackcam office, schema 1 (SQLite). Times are epoch milliseconds (UTC).
CREATE TABLE cracks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    status          TEXT    NOT NULL DEFAULT 'new',
    crack_class     TEXT    NOT NULL,
    lat             REAL,
    lon             REAL,
    orientation_deg REAL,
    source_name     TEXT,
    first_frame     BIGINT,
    last_frame      BIGINT,
    first_seen      BIGINT  NOT NULL,
    last_seen       BIGINT  NOT NULL,
    sightings       INTEGER NOT NULL DEFAULT 0,
    max_probability REAL    NOT NULL,
    length_px       REAL    NOT NULL,
    area_px         BIGINT  NOT NULL,
    updated_ms      BIGINT  NOT NULL
);
CREATE INDEX cracks_latlon ON cracks (lat, lon);
CREATE INDEX cracks_source ON cracks (source_name);

CREATE TABLE sightings (
    alert_id        TEXT    PRIMARY KEY,
    revision        INTEGER NOT NULL,
    crack_id        BIGINT  NOT NULL REFERENCES cracks (id),
    device_id       TEXT    NOT NULL,
    time_ms         BIGINT  NOT NULL,
    received_ms     BIGINT  NOT NULL,
    lat             REAL,
    lon             REAL,
    orientation_deg REAL,
    crack_class     TEXT    NOT NULL,
    probability     REAL    NOT NULL,
    length_px       REAL    NOT NULL,
    area_px         BIGINT  NOT NULL,
    source_name     TEXT    NOT NULL,
    first_frame     BIGINT  NOT NULL,
    last_frame      BIGINT  NOT NULL,
    best_frame      BIGINT  NOT NULL,
    doc             TEXT    NOT NULL
);
CREATE INDEX sightings_crack ON sightings (crack_id, time_ms);
CREATE INDEX sightings_device ON sightings (device_id);

CREATE TABLE verdicts (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    crack_id  BIGINT  NOT NULL REFERENCES cracks (id),
    verdict   TEXT    NOT NULL,
    note      TEXT    NOT NULL DEFAULT '',
    who       TEXT    NOT NULL,
    at_ms     BIGINT  NOT NULL
);
CREATE INDEX verdicts_crack ON verdicts (crack_id, at_ms);

CREATE TABLE quarantine (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    received_ms BIGINT  NOT NULL,
    topic       TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    size_bytes  INTEGER NOT NULL,
    payload     BLOB
);
