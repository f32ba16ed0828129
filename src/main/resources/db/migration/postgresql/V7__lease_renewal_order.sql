-- Each node numbers its lease renewals (from 1 at each start, with its origin). Renewals run on the
-- connection pool, so an older one's write can land after a newer one's; the renewal statement
-- changes the row only for a higher number or another origin, so an older renewal cannot set the
-- lease or the broadcast record back. Numbers rather than times: a clock stepped back must not stop the
-- renewals, nor one stepped forward and back leave a lease that runs far ahead.
ALTER TABLE node_lease ADD COLUMN renewal_seq BIGINT NOT NULL DEFAULT 0;
