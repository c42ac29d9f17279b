-- An officer can block an abusive conversation: the witness can no longer write in it and it
-- stays out of the queue. A column rather than a new state (the state CHECK stays as it is): the
-- chat keeps its state, and its report can still be closed (as rejected) the usual way.
ALTER TABLE conversations ADD COLUMN blocked_at BIGINT;
ALTER TABLE conversations ADD COLUMN blocked_reason TEXT;
