-- Issue 6: dispatch state, the rows behind `vigie_domain::dispatch::Snapshot`. Timestamps are
-- milliseconds since the Unix epoch.

-- The long-wait alert was raised (or is not due: the chat came back to the queue), and the
-- current holder's first message to the witness (NULL until then; reset at each take).
ALTER TABLE conversations ADD COLUMN long_wait_alerted BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE conversations ADD COLUMN first_reply_at BIGINT;
-- Chats already answered before this migration keep their answer, so they are not taken back.
UPDATE conversations SET first_reply_at = (
    SELECT MIN(e.at) FROM events e
    WHERE e.conversation_id = conversations.id AND e.author = 'officer' AND e.kind = 'message'
) WHERE state = 'active';
UPDATE conversations SET long_wait_alerted = TRUE WHERE state != 'waiting';

-- When the officer was last given a chat (offer, take, handover): the fair rotation.
ALTER TABLE staff_presence ADD COLUMN last_assigned BIGINT;

-- At most one pending offer per chat.
CREATE TABLE dispatch_offers (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    staff_id        TEXT NOT NULL REFERENCES staff (id),
    offered_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX dispatch_offers_staff ON dispatch_offers (staff_id);

-- "This officer declined the chat, let its offer expire, or lost it"; forgotten at close.
CREATE TABLE dispatch_declines (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    staff_id        TEXT NOT NULL REFERENCES staff (id),
    PRIMARY KEY (conversation_id, staff_id)
);

-- What supervisors must see: `due_at` is when the rule fired, `at` when dispatch noticed.
CREATE TABLE dispatch_alerts (
    id              BIGSERIAL PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    staff_id        TEXT REFERENCES staff (id),
    reason          TEXT NOT NULL CHECK (reason IN ('first_reply_timeout', 'officer_lost',
                                                    'officer_away', 'long_wait')),
    due_at          BIGINT NOT NULL,
    at              BIGINT NOT NULL
);
CREATE INDEX dispatch_alerts_at ON dispatch_alerts (at);

-- Warm handovers: to a colleague, or back to the queue (`to_staff` NULL). The note is sealed
-- under the content key (place `handovers.note:<conversation>:<id>`).
CREATE TABLE handovers (
    id              BIGSERIAL PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    from_staff      TEXT NOT NULL REFERENCES staff (id),
    to_staff        TEXT REFERENCES staff (id),
    note            TEXT NOT NULL,
    at              BIGINT NOT NULL,
    acknowledged_at BIGINT
);
CREATE INDEX handovers_conversation ON handovers (conversation_id);
CREATE INDEX handovers_receiver ON handovers (to_staff, acknowledged_at);
