package dev.byob.hosting.appservice;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * HTTP responses with a body and its {@code Content-Length}, always: Synapse treats a response without a body
 * as a failed delivery and backs off for minutes.
 */
final class Responses {
    /** The empty JSON object, the success answer of every application-service endpoint. */
    static final String EMPTY_OBJECT = "{}";

    private Responses() {
    }

    /** {@code status} with a JSON body. */
    static FullHttpResponse json(HttpResponseStatus status, String json) {
        return body(status, HttpHeaderValues.APPLICATION_JSON.toString(), json);
    }

    /** {@code 200 {}}. */
    static FullHttpResponse ok() {
        return json(HttpResponseStatus.OK, EMPTY_OBJECT);
    }

    /** A Matrix error: {@code {"errcode": ..., "error": ...}}. */
    static FullHttpResponse error(HttpResponseStatus status, String errcode, String message) {
        return json(status, errorJson(errcode, message, -1));
    }

    /** {@code 429 M_LIMIT_EXCEEDED} with {@code retry_after_ms}. */
    static FullHttpResponse limitExceeded(String message, long retryAfterMs) {
        return json(HttpResponseStatus.TOO_MANY_REQUESTS, errorJson("M_LIMIT_EXCEEDED", message, retryAfterMs));
    }

    private static String errorJson(String errcode, String message, long retryAfterMs) {
        ObjectNode error = Transaction.JSON.createObjectNode().put("errcode", errcode).put("error", message);
        if (retryAfterMs >= 0) {
            error.put("retry_after_ms", retryAfterMs);
        }
        try {
            return Transaction.JSON.writeValueAsString(error);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code status} with {@code text} as a body of {@code contentType}. */
    static FullHttpResponse body(HttpResponseStatus status, String contentType, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(bytes));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        return response;
    }
}
