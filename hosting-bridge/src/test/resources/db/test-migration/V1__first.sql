-- A migration for the tests; a comment with a ; in it.
CREATE TABLE first_table (origin TEXT NOT NULL);
INSERT INTO first_table (origin) VALUES ('shared; with a semicolon -- and no comment');
