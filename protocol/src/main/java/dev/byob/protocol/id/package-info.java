/**
 * Value types for the identifiers byob speaks of: Matrix user, room and event ids, remote networks and accounts, transaction ids and nonces. Each validates on construction and throws {@link java.lang.IllegalArgumentException} naming what is wrong.
 */
package dev.byob.protocol.id;
