-- One row per key that has ever been written. A deleted key stays as a tombstone (deleted = TRUE,
-- value NULL) so that its version keeps increasing across delete and re-create.
-- COLLATE "C" makes key order code-point order on every node, whatever the database's locale.
-- The value is TEXT, not jsonb: the client's bytes are kept as sent.
CREATE TABLE state_entry (
  entry_key     TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  entry_value   TEXT,
  version       BIGINT  NOT NULL,
  deleted       BOOLEAN NOT NULL,
  updated_at    BIGINT  NOT NULL,
  updated_by    TEXT,
  expires_at    BIGINT,
  owner_session TEXT
);

CREATE INDEX state_entry_expires_at ON state_entry (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX state_entry_owner_session ON state_entry (owner_session) WHERE owner_session IS NOT NULL;
