-- One row per key that has ever been written. A deleted key stays as a tombstone (deleted = TRUE,
-- value NULL) so that its version keeps increasing across delete and re-create.
-- "key" and "value" are keywords in H2, hence entry_key / entry_value.
-- H2 compares strings by UTF-16 code unit, which is code-point order except for characters
-- outside the Basic Multilingual Plane.
CREATE TABLE state_entry (
  entry_key     VARCHAR(1024) NOT NULL PRIMARY KEY,
  entry_value   CHARACTER VARYING,
  version       BIGINT        NOT NULL,
  deleted       BOOLEAN       NOT NULL,
  updated_at    BIGINT        NOT NULL,
  updated_by    VARCHAR(1024),
  expires_at    BIGINT,
  owner_session VARCHAR(256)
);

CREATE INDEX state_entry_expires_at ON state_entry (expires_at);
CREATE INDEX state_entry_owner_session ON state_entry (owner_session);
