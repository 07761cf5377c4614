package dev.byob.kit.irc;

import dev.byob.protocol.remote.irc.IrcLineDecoder;
import dev.byob.protocol.remote.irc.IrcMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Between line frames and {@link IrcMessage}s. Inbound: one line (without its ending, as a
 * {@code LineBasedFrameDecoder} gives it), decoded as UTF-8 or else Latin-1, parsed; a line that does
 * not parse is logged and skipped, so one bad line does not end the connection. Outbound: the line as
 * a client may send it ({@link IrcMessage#formatAsClient()}) with CR LF; a message over the size limits
 * fails its write.
 */
final class IrcCodec extends MessageToMessageCodec<ByteBuf, IrcMessage> {
    private static final Logger LOG = LoggerFactory.getLogger(IrcCodec.class);

    @Override
    protected void encode(ChannelHandlerContext ctx, IrcMessage message, List<Object> out) {
        byte[] line = (message.formatAsClient() + "\r\n").getBytes(StandardCharsets.UTF_8);
        out.add(ctx.alloc().buffer(line.length).writeBytes(line));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        byte[] bytes = ByteBufUtil.getBytes(frame);
        String line = IrcLineDecoder.decode(bytes);
        if (line.isEmpty() || line.equals("\r")) {
            return;
        }
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        try {
            out.add(IrcMessage.parse(line));
        } catch (IllegalArgumentException e) {
            LOG.warn("skipping a line from the IRC server that does not parse ({}): {}", e.getMessage(), line);
        }
    }
}
