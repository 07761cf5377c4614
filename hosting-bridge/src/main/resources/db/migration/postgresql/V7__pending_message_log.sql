-- The user's messages awaiting the visiting bridge's relay, appended in the order they were observed: the
-- row id is the order, so a message is added at the end of the table rather than at a random place in a
-- tree keyed by the record, and a resolution deletes it by its row id, which the store keeps in memory.
-- Replaces pending_message, whose rows move over in their order.
CREATE TABLE pending_message_log (
    id               BIGINT  NOT NULL PRIMARY KEY, -- order of observation, over all records
    hb_bot           TEXT    NOT NULL,
    user_id          TEXT    NOT NULL,
    network_protocol TEXT    NOT NULL,
    network_id       TEXT    NOT NULL,
    epoch            BIGINT  NOT NULL CHECK (epoch >= 1),
    direction        TEXT    NOT NULL CHECK (direction IN ('to_remote', 'to_matrix')),
    message_id       TEXT    NOT NULL,
    room_id          TEXT    NOT NULL,
    seen_at          TEXT    NOT NULL -- ISO-8601, as trust records keep their times
);
INSERT INTO pending_message_log (id, hb_bot, user_id, network_protocol, network_id, epoch, direction, message_id,
        room_id, seen_at)
    SELECT ROW_NUMBER() OVER (ORDER BY hb_bot, user_id, network_protocol, network_id, epoch, ordinal), hb_bot,
        user_id, network_protocol, network_id, epoch, direction, message_id, room_id, seen_at
    FROM pending_message;
DROP TABLE pending_message;
