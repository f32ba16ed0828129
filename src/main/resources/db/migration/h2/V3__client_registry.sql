-- Registered clients (PROTOCOL.md section 6): the token endpoint issues tokens to these. The secret
-- is kept only as a salted slow hash ("pbkdf2-sha256$<iterations>$<salt>$<hash>"); roles are a JSON
-- array of strings; times are epoch milliseconds.
CREATE TABLE clients (
  id          VARCHAR(256)  NOT NULL PRIMARY KEY,
  roles       VARCHAR(4096) NOT NULL,
  enabled     BOOLEAN       NOT NULL,
  secret_hash VARCHAR(512)  NOT NULL,
  created_at  BIGINT        NOT NULL,
  updated_at  BIGINT        NOT NULL
);

CREATE INDEX clients_enabled ON clients (enabled);

-- Revoked tokens by jti. expires_at (epoch seconds) says when the row is no longer needed (the
-- token has expired by then); NULL keeps it until removed by hand.
CREATE TABLE revoked_token (
  jti        VARCHAR(256) NOT NULL PRIMARY KEY,
  expires_at BIGINT
);
