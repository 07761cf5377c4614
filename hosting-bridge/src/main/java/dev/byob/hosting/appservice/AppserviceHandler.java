package dev.byob.hosting.appservice;

import dev.byob.hosting.metrics.MetricsRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application-service API on one connection. Cheap requests (routing, the token check, user queries,
 * pings, health, metrics, repeated transactions seen recently) are answered on the event loop; a new
 * transaction is handed to the intake executor, which stores it in the {@link TransactionSink} and only then
 * answers. Answers leave in the order the requests came, as HTTP/1.1 requires of pipelined requests.
 */
final class AppserviceHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(AppserviceHandler.class);
    private static final long RETRY_AFTER_MS = 1_000;

    private final AppserviceApi api;
    /** Answers not yet written, in request order; touched only on the event loop. */
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();

    private record Pending(CompletableFuture<FullHttpResponse> response, boolean keepAlive, String route,
                           long startNanos) {}

    AppserviceHandler(AppserviceApi api) {
        this.api = api;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        long start = System.nanoTime();
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            answer(ctx, false, Route.UNKNOWN_LABEL, start,
                    Responses.error(HttpResponseStatus.BAD_REQUEST, "M_UNKNOWN", "malformed HTTP request"));
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        Route.Match match = Route.match(uri.rawPath());
        if (match == null) {
            answer(ctx, keepAlive, Route.UNKNOWN_LABEL, start,
                    Responses.error(HttpResponseStatus.NOT_FOUND, "M_UNRECOGNIZED", "unrecognized request"));
            return;
        }
        Route route = match.route();
        if (!route.method().equals(request.method())) {
            FullHttpResponse response = Responses.error(HttpResponseStatus.METHOD_NOT_ALLOWED, "M_UNRECOGNIZED",
                    request.method() + " is not supported here; use " + route.method());
            response.headers().set(HttpHeaderNames.ALLOW, route.method().name());
            answer(ctx, keepAlive, route.label(), start, response);
            return;
        }
        if (route.authenticated()) {
            HsTokenCheck.Result auth = api.tokenCheck().check(request.headers().get(HttpHeaderNames.AUTHORIZATION),
                    uri.parameters().get("access_token"));
            if (auth == HsTokenCheck.Result.MISSING) {
                api.metrics().authFailures().labels("missing_token").inc();
                answer(ctx, keepAlive, route.label(), start, Responses.error(HttpResponseStatus.UNAUTHORIZED,
                        "M_UNAUTHORIZED", "missing the homeserver's token"));
                return;
            }
            if (auth == HsTokenCheck.Result.WRONG) {
                api.metrics().authFailures().labels("wrong_token").inc();
                answer(ctx, keepAlive, route.label(), start, Responses.error(HttpResponseStatus.FORBIDDEN,
                        "M_FORBIDDEN", "wrong homeserver token"));
                return;
            }
        }
        switch (route) {
            case TRANSACTION -> transaction(ctx, keepAlive, start, match.parameter(), request.content());
            case USER_QUERY -> answer(ctx, keepAlive, route.label(), start, userQuery(match.parameter()));
            case PING -> {
                api.metrics().pings().inc();
                answer(ctx, keepAlive, route.label(), start, Responses.ok());
            }
            case LIVE -> answer(ctx, keepAlive, route.label(), start,
                    Responses.json(HttpResponseStatus.OK, "{\"live\":true}"));
            case READY -> answer(ctx, keepAlive, route.label(), start, ready());
            case METRICS -> answer(ctx, keepAlive, route.label(), start, Responses.body(HttpResponseStatus.OK,
                    MetricsRegistry.CONTENT_TYPE, api.metrics().registry().scrape()));
            default -> throw new IllegalStateException("unhandled route " + route);
        }
    }

    private FullHttpResponse userQuery(String userId) {
        boolean exists;
        try {
            exists = api.userExists().test(userId);
        } catch (RuntimeException e) {
            LOG.warn("user query for {} failed", userId, e);
            return Responses.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "M_UNKNOWN", "user query failed");
        }
        api.metrics().userQueries().labels(exists ? "exists" : "unknown").inc();
        return exists ? Responses.ok()
                : Responses.error(HttpResponseStatus.NOT_FOUND, "M_NOT_FOUND", "not a user of this bridge");
    }

    private FullHttpResponse ready() {
        boolean ready;
        try {
            ready = api.ready().getAsBoolean();
        } catch (RuntimeException e) {
            LOG.warn("readiness check failed", e);
            ready = false;
        }
        return ready ? Responses.json(HttpResponseStatus.OK, "{\"ready\":true}")
                : Responses.json(HttpResponseStatus.SERVICE_UNAVAILABLE, "{\"ready\":false}");
    }

    private void transaction(ChannelHandlerContext ctx, boolean keepAlive, long start, String txnId, ByteBuf content) {
        String label = Route.TRANSACTION.label();
        api.metrics().transactionsReceived().inc();
        if (api.recent().contains(txnId)) {
            api.metrics().transactionsDuplicate().inc();
            answer(ctx, keepAlive, label, start, Responses.ok());
            return;
        }
        CompletableFuture<FullHttpResponse> response = new CompletableFuture<>();
        ByteBuf body = content.retain();
        try {
            api.intake().execute(() -> {
                try {
                    response.complete(intake(txnId, body));
                } catch (Throwable e) {
                    response.complete(storeFailed(txnId, e));
                    if (e instanceof Error error) {
                        throw error;
                    }
                } finally {
                    body.release();
                }
            });
        } catch (RejectedExecutionException e) {
            body.release();
            api.metrics().transactionsFailed().labels("busy").inc();
            response.complete(Responses.limitExceeded("too many transactions waiting; retry later", RETRY_AFTER_MS));
        }
        answer(ctx, keepAlive, label, start, response);
    }

    /** On the intake thread: a repeat, or parse and store; the answer to send. */
    private FullHttpResponse intake(String txnId, ByteBuf body) {
        try {
            if (api.sink().isProcessed(txnId)) {
                api.recent().add(txnId);
                api.metrics().transactionsDuplicate().inc();
                return Responses.ok();
            }
            Transaction transaction;
            try {
                transaction = Transaction.parse(txnId, utf8(body));
            } catch (Transaction.MalformedTransactionException e) {
                api.metrics().transactionsFailed().labels("bad_json").inc();
                return Responses.error(HttpResponseStatus.BAD_REQUEST, e.errcode(), e.getMessage());
            }
            api.sink().accept(transaction);
            api.recent().add(txnId);
            api.metrics().eventsReceived().inc(transaction.events().size());
            return Responses.ok();
        } catch (TransactionSinkException e) {
            return storeFailed(txnId, e);
        }
    }

    /** The body as text: JSON in Matrix is UTF-8, and the text is what a store keeps of the transaction. */
    private static String utf8(ByteBuf body) throws Transaction.MalformedTransactionException {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(body.nioBuffer()).toString();
        } catch (CharacterCodingException e) {
            throw new Transaction.MalformedTransactionException("M_NOT_JSON", "the body is not UTF-8");
        }
    }

    private FullHttpResponse storeFailed(String txnId, Throwable e) {
        LOG.warn("transaction {} could not be stored; the homeserver will send it again", txnId, e);
        api.metrics().transactionsFailed().labels("store").inc();
        return Responses.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "M_UNKNOWN",
                "the transaction could not be stored; send it again later");
    }

    private void answer(ChannelHandlerContext ctx, boolean keepAlive, String route, long start,
                        FullHttpResponse response) {
        answer(ctx, keepAlive, route, start, CompletableFuture.completedFuture(response));
    }

    private void answer(ChannelHandlerContext ctx, boolean keepAlive, String route, long start,
                        CompletableFuture<FullHttpResponse> response) {
        pending.add(new Pending(response, keepAlive, route, start));
        if (response.isDone()) {
            writeReady(ctx);
        } else {
            response.whenComplete((r, e) -> {
                try {
                    ctx.executor().execute(() -> writeReady(ctx));
                } catch (RejectedExecutionException shutDown) {
                    if (r != null) {
                        r.release();
                    }
                }
            });
        }
    }

    /** On the event loop: writes the answers at the head of the queue that are ready, in order. */
    private void writeReady(ChannelHandlerContext ctx) {
        while (!pending.isEmpty() && pending.peek().response().isDone()) {
            Pending next = pending.poll();
            FullHttpResponse response = next.response().join();
            api.metrics().requestDuration().labels(next.route()).observe((System.nanoTime() - next.startNanos()) / 1e9);
            if (!ctx.channel().isActive()) {
                response.release();
                continue;
            }
            HttpUtil.setKeepAlive(response, next.keepAlive());
            if (next.keepAlive()) {
                ctx.writeAndFlush(response);
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                releaseRest();
                return;
            }
        }
    }

    private void releaseRest() {
        for (Pending rest : pending) {
            rest.response().thenAccept(FullHttpResponse::release);
        }
        pending.clear();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        releaseRest();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("closing a connection after an error", cause);
        ctx.close();
    }
}
