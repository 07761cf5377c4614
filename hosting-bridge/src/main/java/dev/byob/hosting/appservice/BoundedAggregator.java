package dev.byob.hosting.appservice;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Aggregates a request into one message up to a body limit, answering a larger one with
 * {@code 413 M_TOO_LARGE} (with a body, unlike Netty's default) and closing the connection.
 */
final class BoundedAggregator extends HttpObjectAggregator {
    private final int maxBodyBytes;
    private final AppserviceMetrics metrics;

    BoundedAggregator(int maxBodyBytes, AppserviceMetrics metrics) {
        super(maxBodyBytes);
        this.maxBodyBytes = maxBodyBytes;
        this.metrics = metrics;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
        if (!(oversized instanceof HttpRequest)) {
            super.handleOversizedMessage(ctx, oversized);
            return;
        }
        metrics.requestDuration().labels("too_large").observe(0);
        FullHttpResponse response = Responses.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "M_TOO_LARGE",
                "the request body is larger than " + maxBodyBytes + " bytes");
        HttpUtil.setKeepAlive(response, false);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
