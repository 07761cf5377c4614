/**
 * The visiting bridge's configuration file and its credentials, read with the bridge kit's
 * {@link dev.byob.kit.config.Section}, so both bridges report problems the same way
 * ({@code file: key: reason}, every problem at once).
 */
package dev.byob.visiting.config;
