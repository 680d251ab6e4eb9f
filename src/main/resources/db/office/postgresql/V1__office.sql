-- crackcam office, schema 1 (PostgreSQL + PostGIS). Times are epoch milliseconds (UTC).
-- geom is kept from lat/lon by a trigger, so the Java code writes the same columns on both databases.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE cracks (
    id              BIGSERIAL PRIMARY KEY,
    status          TEXT    NOT NULL DEFAULT 'new',
    crack_class     TEXT    NOT NULL,
    lat             DOUBLE PRECISION,
    lon             DOUBLE PRECISION,
    orientation_deg DOUBLE PRECISION,
    source_name     TEXT,
    first_frame     BIGINT,
    last_frame      BIGINT,
    first_seen      BIGINT  NOT NULL,
    last_seen       BIGINT  NOT NULL,
    sightings       INTEGER NOT NULL DEFAULT 0,
    max_probability DOUBLE PRECISION NOT NULL,
    length_px       DOUBLE PRECISION NOT NULL,
    area_px         BIGINT  NOT NULL,
    updated_ms      BIGINT  NOT NULL,
    geom            geography(Point, 4326)
);
CREATE INDEX cracks_geom ON cracks USING GIST (geom);
CREATE INDEX cracks_source ON cracks (source_name);

CREATE FUNCTION cracks_geom_sync() RETURNS trigger AS $$
BEGIN
    IF NEW.lat IS NULL OR NEW.lon IS NULL THEN
        NEW.geom := NULL;
    ELSE
        NEW.geom := ST_SetSRID(ST_MakePoint(NEW.lon, NEW.lat), 4326)::geography;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER cracks_geom_sync BEFORE INSERT OR UPDATE OF lat, lon ON cracks
    FOR EACH ROW EXECUTE FUNCTION cracks_geom_sync();

CREATE TABLE sightings (
    alert_id        TEXT    PRIMARY KEY,
    revision        INTEGER NOT NULL,
    crack_id        BIGINT  NOT NULL REFERENCES cracks (id),
    device_id       TEXT    NOT NULL,
    time_ms         BIGINT  NOT NULL,
    received_ms     BIGINT  NOT NULL,
    lat             DOUBLE PRECISION,
    lon             DOUBLE PRECISION,
    orientation_deg DOUBLE PRECISION,
    crack_class     TEXT    NOT NULL,
    probability     DOUBLE PRECISION NOT NULL,
    length_px       DOUBLE PRECISION NOT NULL,
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
    id        BIGSERIAL PRIMARY KEY,
    crack_id  BIGINT  NOT NULL REFERENCES cracks (id),
    verdict   TEXT    NOT NULL,
    note      TEXT    NOT NULL DEFAULT '',
    who       TEXT    NOT NULL,
    at_ms     BIGINT  NOT NULL
);
CREATE INDEX verdicts_crack ON verdicts (crack_id, at_ms);

CREATE TABLE quarantine (
    id          BIGSERIAL PRIMARY KEY,
    received_ms BIGINT  NOT NULL,
    topic       TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    size_bytes  INTEGER NOT NULL,
    payload     BYTEA
);
