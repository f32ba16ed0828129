-- One row per client session (one WebSocket connection, resumable within the grace period).
CREATE TABLE client_session (
  id              VARCHAR(256)  NOT NULL PRIMARY KEY,
  client_id       VARCHAR(1024) NOT NULL,
  node_id         VARCHAR(256)  NOT NULL,
  connected       BOOLEAN       NOT NULL,
  connected_at    BIGINT        NOT NULL,
  disconnected_at BIGINT,
  lease_until     BIGINT        NOT NULL,
  ended           BOOLEAN       NOT NULL
);

CREATE INDEX client_session_client_id ON client_session (client_id);
CREATE INDEX client_session_ended_connected ON client_session (ended, connected);
