-- Trust records (specification §10).

-- Per (HB bot, user, network): the last epoch handed out. Kept forever, so that an epoch is never
-- handed out twice, even after its record ended (§10.1). establish() increments it with an upsert,
-- which on PostgreSQL also locks the row: acceptances for one key are serialised (§10.5).
CREATE TABLE trust_key (
    hb_bot           TEXT   NOT NULL,
    user_id          TEXT   NOT NULL,
    network_protocol TEXT   NOT NULL,
    network_id       TEXT   NOT NULL,
    last_epoch       BIGINT NOT NULL CHECK (last_epoch >= 1),
    PRIMARY KEY (hb_bot, user_id, network_protocol, network_id)
);

-- Every record, one row per epoch: the latest is the record in force or the last one ended, and the
-- older ones answer a VB still speaking for an old epoch (T14).
CREATE TABLE trust_record (
    hb_bot              TEXT   NOT NULL,
    user_id             TEXT   NOT NULL,
    network_protocol    TEXT   NOT NULL,
    network_id          TEXT   NOT NULL,
    epoch               BIGINT NOT NULL CHECK (epoch >= 1),
    remote_account      TEXT   NOT NULL,
    vb_bot              TEXT   NOT NULL,
    vb_key_id           TEXT   NOT NULL, -- the pinned key (§5.4): its id, e.g. ed25519:1,
    vb_public_key       TEXT   NOT NULL, -- and its 32 bytes in unpadded base64
    matrix_proof_method TEXT   NOT NULL,
    remote_proof_method TEXT   NOT NULL,
    established_at      TEXT   NOT NULL, -- ISO-8601 instants (Instant.toString), exact to the nanosecond
    txn_id              TEXT   NOT NULL, -- the handshake that established it
    ended_code          TEXT,            -- both null while the record is in force
    ended_at            TEXT,
    PRIMARY KEY (hb_bot, user_id, network_protocol, network_id, epoch),
    FOREIGN KEY (hb_bot, user_id, network_protocol, network_id)
        REFERENCES trust_key (hb_bot, user_id, network_protocol, network_id),
    CHECK ((ended_code IS NULL AND ended_at IS NULL) OR (ended_code IS NOT NULL AND ended_at IS NOT NULL))
);

-- At most one record in force per key (§10.2).
CREATE UNIQUE INDEX trust_record_in_force ON trust_record (hb_bot, user_id, network_protocol, network_id)
    WHERE ended_code IS NULL;
