-- A node vouches for all of its connected sessions with one row: renewing it replaces rewriting
-- every session row every few seconds, which cost a full write of the sessions table per renewal
-- (at 10k connections, half of the server's CPU during a connect burst).
-- A connected session's lease is the later of its own lease_until (set when it opened or resumed)
-- and its node's lease_until.
CREATE TABLE node_lease (
  node_id     VARCHAR(256) NOT NULL PRIMARY KEY,
  lease_until BIGINT NOT NULL
);

INSERT INTO node_lease (node_id, lease_until)
  SELECT node_id, MAX(lease_until) FROM client_session
  WHERE connected = TRUE AND ended = FALSE
  GROUP BY node_id;

-- The expiry sweep starts from the nodes whose lease ran out.
CREATE INDEX client_session_node ON client_session (node_id, connected, ended);
