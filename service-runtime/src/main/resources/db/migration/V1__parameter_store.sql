-- The local stack's parameter store (stands in for SSM Parameter Store): one row per version.
CREATE SCHEMA IF NOT EXISTS dbrefresh;

CREATE TABLE dbrefresh.parameter (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT        NOT NULL,
    version    BIGINT      NOT NULL CHECK (version > 0),
    value      TEXT        NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (name, version)
);
