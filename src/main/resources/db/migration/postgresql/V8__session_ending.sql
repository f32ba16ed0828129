-- A session being ended: its ephemeral keys are being deleted. Set by the expiry sweep's first step,
-- under the same condition as the end itself (past the grace), before it deletes a key. A resume
-- refuses such a session: without the mark, a resume that committed after the sweep had read the
-- session, but before it marked it ended, kept the session and lost its ephemeral keys.
ALTER TABLE client_session ADD COLUMN ending BOOLEAN NOT NULL DEFAULT FALSE;
