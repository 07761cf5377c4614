-- What the hosting engine must remember across a restart besides trust records and fill-ins
-- (specification §10.6 and §12.8).

-- The last heartbeat accepted per record in force: an older one (a replay) renews nothing.
CREATE TABLE lease_heartbeat (
    hb_bot           TEXT   NOT NULL,
    user_id          TEXT   NOT NULL,
    network_protocol TEXT   NOT NULL,
    network_id       TEXT   NOT NULL,
    epoch            BIGINT NOT NULL CHECK (epoch >= 1),
    last_seq         BIGINT NOT NULL CHECK (last_seq >= 1),
    PRIMARY KEY (hb_bot, user_id, network_protocol, network_id, epoch)
);

-- The user's messages observed while a visiting bridge relays, not yet observed relayed, in the order
-- they were observed (ordinal, per epoch).
CREATE TABLE pending_message (
    hb_bot           TEXT   NOT NULL,
    user_id          TEXT   NOT NULL,
    network_protocol TEXT   NOT NULL,
    network_id       TEXT   NOT NULL,
    epoch            BIGINT NOT NULL CHECK (epoch >= 1),
    direction        TEXT   NOT NULL CHECK (direction IN ('to_remote', 'to_matrix')),
    message_id       TEXT   NOT NULL,
    room_id          TEXT   NOT NULL,
    seen_at          TEXT   NOT NULL, -- ISO-8601, as trust records keep their times
    ordinal          BIGINT NOT NULL,
    PRIMARY KEY (hb_bot, user_id, network_protocol, network_id, epoch, direction, message_id)
);
CREATE INDEX pending_message_order
    ON pending_message (hb_bot, user_id, network_protocol, network_id, epoch, ordinal);
