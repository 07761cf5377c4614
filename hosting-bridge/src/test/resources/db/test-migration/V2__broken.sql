-- Creates a table, then fails: the table must not remain.
CREATE TABLE second_table (n INTEGER);
INSERT INTO no_such_table (n) VALUES (1);
