/**
 * The visiting bridge's configuration file and its credentials. {@link dev.byob.visiting.config.Section},
 * {@link dev.byob.visiting.config.ConfigProblem}, {@link dev.byob.visiting.config.ConfigException} and
 * {@link dev.byob.visiting.config.Secret} follow the hosting bridge's, so both bridges report problems the same
 * way ({@code file: key: reason}, every problem at once).
 */
package dev.byob.visiting.config;
