/**
 * The hosting bridge's durable state: trust records, fill-in logs, handled appservice transactions
 * and room mappings, in SQLite (a file in the data directory, the default) or PostgreSQL.
 *
 * <p>{@link dev.byob.hosting.store.Database} opens either and brings its schema up to date with
 * versioned migrations; the stores ({@link dev.byob.hosting.store.SqlTrustStore},
 * {@link dev.byob.hosting.store.SqlFillInLog}, {@link dev.byob.hosting.store.ProcessedTransactions})
 * share one database and join an enclosing {@link dev.byob.hosting.store.Database#transaction}, so that
 * the effects of one appservice transaction commit together or not at all.
 */
package dev.byob.hosting.store;
