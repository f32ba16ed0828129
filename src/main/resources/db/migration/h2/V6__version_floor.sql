-- Tombstones older than db.tombstoneRetentionMs are deleted (TombstonePurge). The highest version
-- deleted that way is kept here, and a key that has no row starts above it, so that a version is
-- never reused across delete and re-create (PROTOCOL.md section 1), whatever was deleted.
CREATE TABLE version_floor (
  id              INT    NOT NULL PRIMARY KEY,
  highest_removed BIGINT NOT NULL
);

INSERT INTO version_floor (id, highest_removed) VALUES (1, 0);

-- A node of an earlier release does not read the floor: while one holds a lease, no node purges
-- (a key it wrote again would start at version 1). Such a node never sets this column.
ALTER TABLE node_lease ADD COLUMN reads_version_floor BOOLEAN NOT NULL DEFAULT FALSE;
