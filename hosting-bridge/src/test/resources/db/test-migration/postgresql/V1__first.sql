-- The PostgreSQL variant of V1__first.sql.
CREATE TABLE first_table (origin TEXT NOT NULL);
INSERT INTO first_table (origin) VALUES ('postgresql');
