-- Fill-in (specification §12.4): what the HB relayed for a user while the lease had lapsed, per trust
-- epoch, kept until the VB acknowledges it with fill_ack.

-- The last fill_seq handed out per epoch: numbering goes on without gaps after entries are dropped.
-- Neither table refers to trust_record: the log keeps whatever (key, epoch) it is given, as the
-- protocol's FillInLog does.
CREATE TABLE fill_in_epoch (
    hb_bot           TEXT   NOT NULL,
    user_id          TEXT   NOT NULL,
    network_protocol TEXT   NOT NULL,
    network_id       TEXT   NOT NULL,
    epoch            BIGINT NOT NULL CHECK (epoch >= 1),
    last_fill_seq    BIGINT NOT NULL CHECK (last_fill_seq >= 1),
    PRIMARY KEY (hb_bot, user_id, network_protocol, network_id, epoch)
);

-- The entries not yet acknowledged, as the lease reply lists them.
CREATE TABLE fill_in (
    hb_bot           TEXT   NOT NULL,
    user_id          TEXT   NOT NULL,
    network_protocol TEXT   NOT NULL,
    network_id       TEXT   NOT NULL,
    epoch            BIGINT NOT NULL,
    fill_seq         BIGINT NOT NULL CHECK (fill_seq >= 1),
    direction        TEXT   NOT NULL CHECK (direction IN ('to_remote', 'to_matrix')),
    matrix_event_id  TEXT,
    remote_msgid     TEXT,
    room_id          TEXT,
    sent_at          BIGINT NOT NULL, -- milliseconds since 1970, as in the lease
    PRIMARY KEY (hb_bot, user_id, network_protocol, network_id, epoch, fill_seq),
    FOREIGN KEY (hb_bot, user_id, network_protocol, network_id, epoch)
        REFERENCES fill_in_epoch (hb_bot, user_id, network_protocol, network_id, epoch)
);
