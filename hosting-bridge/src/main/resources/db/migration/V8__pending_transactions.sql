-- Transactions received from the homeserver whose events are not all handled yet, in the order received: one
-- row per transaction holding its body as received, rather than a row per event written out again. Its events
-- are numbered on from the last transaction's (first_seq, first_seq + 1, ...), and handled says how many of them,
-- from the first, the bridge has handled; the row is deleted with its last one. Replaces pending_event, whose rows
-- move over as transactions of one event each.
CREATE TABLE pending_transaction (
    first_seq   BIGINT  NOT NULL PRIMARY KEY, -- order of arrival of its first event, over all transactions
    txn_id      TEXT    NOT NULL,
    event_count INTEGER NOT NULL CHECK (event_count >= 1), -- its events, then its to-device events
    handled     INTEGER NOT NULL CHECK (handled >= 0 AND handled < event_count),
    body        TEXT    NOT NULL -- the JSON the homeserver sent
);
INSERT INTO pending_transaction (first_seq, txn_id, event_count, handled, body)
    SELECT seq, txn_id, 1, 0, '{"events":[' || event_json || ']}' FROM pending_event;
DROP TABLE pending_event;
