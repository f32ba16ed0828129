-- Each node also records, with its lease, how far its change broadcasts had got a few renewals
-- earlier (its incarnation, broadcast number and when it took the number). Another node that has heard fewer of them over
-- the event bus lost some, even while the event-bus connection between the two stays broken, or
-- while the cluster is split (docs/architecture.md, "Lost broadcasts between live nodes").
ALTER TABLE node_lease ADD COLUMN origin TEXT;
ALTER TABLE node_lease ADD COLUMN broadcast_seq BIGINT NOT NULL DEFAULT 0;
-- when (the node's epoch ms) it took that number
ALTER TABLE node_lease ADD COLUMN broadcast_sampled_at BIGINT NOT NULL DEFAULT 0;
