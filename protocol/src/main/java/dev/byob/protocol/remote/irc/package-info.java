/**
 * IRC for bridges, without I/O: {@link dev.byob.protocol.remote.irc.IrcMessage} (IRCv3 message tags,
 * parsing and formatting within the size limits), {@link dev.byob.protocol.remote.irc.IrcLineDecoder}
 * (bytes to lines), and {@link dev.byob.protocol.remote.irc.IrcSession}, the registration state
 * machine (capabilities, SASL PLAIN, nick collisions, ISUPPORT) that a transport wraps.
 */
package dev.byob.protocol.remote.irc;
