/**
 * IRC over Netty for the bridges: {@link dev.byob.kit.irc.IrcConnection} wraps the sans-IO
 * {@link dev.byob.protocol.remote.irc.IrcSession} with sockets, TLS, line framing, pings, flood control
 * ({@link dev.byob.kit.irc.RateLimitedSender}) and reconnects ({@link dev.byob.kit.irc.Backoff}).
 */
package dev.byob.kit.irc;
