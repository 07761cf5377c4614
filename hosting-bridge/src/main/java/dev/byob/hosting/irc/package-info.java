/**
 * IRC over Netty for the bridges: {@link dev.byob.hosting.irc.IrcConnection} wraps the sans-IO
 * {@link dev.byob.protocol.remote.irc.IrcSession} with sockets, TLS, line framing, pings, flood control
 * ({@link dev.byob.hosting.irc.RateLimitedSender}) and reconnects ({@link dev.byob.hosting.irc.Backoff}).
 */
package dev.byob.hosting.irc;
