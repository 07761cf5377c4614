-- Events received from the homeserver and not yet handled by the bridge core, in the order received.
-- A transaction's events are stored together with its id in appservice_transaction, in one database
-- transaction; each event is deleted once handled, so a restart resumes with the first one left.
CREATE TABLE pending_event (
    seq        BIGINT NOT NULL PRIMARY KEY, -- order of arrival, over all transactions
    txn_id     TEXT   NOT NULL,
    event_json TEXT   NOT NULL
);
