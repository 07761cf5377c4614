package dev.byob.hosting.appservice;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;

/** Each connection's pipeline: HTTP codec, body aggregation with a limit, 100-continue, then the API. */
final class AppserviceInitializer extends ChannelInitializer<SocketChannel> {
    private final AppserviceApi api;
    private final int maxBodyBytes;

    AppserviceInitializer(AppserviceApi api, int maxBodyBytes) {
        this.api = api;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        configure(channel.pipeline(), api, maxBodyBytes);
    }

    /** Adds the handlers of one connection to {@code pipeline}. */
    static void configure(ChannelPipeline pipeline, AppserviceApi api, int maxBodyBytes) {
        pipeline.addLast("http", new HttpServerCodec());
        pipeline.addLast("aggregator", new BoundedAggregator(maxBodyBytes, api.metrics()));
        pipeline.addLast("continue", new HttpServerExpectContinueHandler());
        pipeline.addLast("api", new AppserviceHandler(api));
    }
}
