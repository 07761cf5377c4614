-- Appservice transactions already handled. The homeserver resends a transaction until it is answered
-- with 200, and a resent transaction must change nothing, even after a restart: its id is recorded in
-- the same database transaction as its effects.
CREATE TABLE appservice_transaction (
    txn_id       TEXT   NOT NULL PRIMARY KEY,
    processed_at BIGINT NOT NULL -- milliseconds since 1970, for pruning
);

CREATE INDEX appservice_transaction_by_age ON appservice_transaction (processed_at);
