-- Bridged rooms: one Matrix room per remote channel.
CREATE TABLE bridged_room (
    room_id          TEXT NOT NULL PRIMARY KEY,
    network_protocol TEXT NOT NULL,
    network_id       TEXT NOT NULL,
    channel          TEXT NOT NULL, -- in the network's canonical case (on IRC, folded per CASEMAPPING)
    created_by       TEXT NOT NULL, -- the Matrix user who had it bridged
    UNIQUE (network_protocol, network_id, channel)
);

-- The canonical DM of each pair of bots (specification §3.1), where all their byob messages go.
CREATE TABLE canonical_dm (
    hb_bot  TEXT NOT NULL,
    vb_bot  TEXT NOT NULL,
    room_id TEXT NOT NULL,
    PRIMARY KEY (hb_bot, vb_bot)
);
