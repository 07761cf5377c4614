/**
 * IRC over Netty for the bridges: {@link dev.byob.transport.irc.IrcConnection} wraps the sans-IO
 * {@link dev.byob.protocol.remote.irc.IrcSession} with sockets, TLS, line framing, pings, flood control
 * ({@link dev.byob.transport.irc.RateLimitedSender}) and reconnects ({@link dev.byob.transport.irc.Backoff}).
 */
package dev.byob.transport.irc;
