package dev.byob.hosting.appservice;

import dev.byob.hosting.metrics.MetricsRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * One connection to the application-service API in an {@link EmbeddedChannel}, with the server's real
 * pipeline: requests go in as raw HTTP bytes and answers come out as parsed {@link Answer}s.
 */
final class ApiChannel {
    static final String HS_TOKEN = "hs-token-for-tests-0123456789";
    static final int MAX_BODY = 4096;

    final EmbeddedChannel channel;
    final AppserviceMetrics metrics;
    private final StringBuilder received = new StringBuilder();

    /** An answer as it went over the wire. */
    record Answer(String statusLine, int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    ApiChannel(TransactionSink sink, Executor intake) {
        this(sink, intake, () -> true, new RecentTransactionIds(16));
    }

    ApiChannel(TransactionSink sink, Executor intake, BooleanSupplier ready, RecentTransactionIds recent) {
        this.metrics = new AppserviceMetrics(new MetricsRegistry());
        AppserviceApi api = new AppserviceApi(new HsTokenCheck(HS_TOKEN), sink, intake,
                GhostNamespace.of("irc_", "example.org")::contains, ready, metrics, recent);
        this.channel = new EmbeddedChannel();
        AppserviceInitializer.configure(channel.pipeline(), api, MAX_BODY);
    }

    /** Writes raw request bytes and runs what the event loop has queued. */
    void send(String raw) {
        channel.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.UTF_8));
        channel.runPendingTasks();
    }

    /** A request with the right token in the Authorization header. */
    static String authorized(String method, String uri, String body) {
        return request(method, uri, Map.of("Authorization", "Bearer " + HS_TOKEN), body);
    }

    /** An HTTP/1.1 request with these headers and a JSON body ({@code null}: none). */
    static String request(String method, String uri, Map<String, String> headers, String body) {
        StringBuilder out = new StringBuilder();
        out.append(method).append(' ').append(uri).append(" HTTP/1.1\r\nHost: localhost\r\n");
        headers.forEach((name, value) -> out.append(name).append(": ").append(value).append("\r\n"));
        if (body != null) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            out.append("Content-Type: application/json\r\nContent-Length: ").append(bytes.length).append("\r\n\r\n")
                    .append(body);
        } else {
            out.append("\r\n");
        }
        return out.toString();
    }

    /** The answers written since the last call, parsed. */
    List<Answer> answers() {
        channel.runPendingTasks();
        for (Object out; (out = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) out;
            received.append(buf.toString(StandardCharsets.UTF_8));
            buf.release();
        }
        List<Answer> answers = new ArrayList<>();
        while (true) {
            int end = received.indexOf("\r\n\r\n");
            if (end < 0) {
                break;
            }
            String[] lines = received.substring(0, end).split("\r\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            if (received.length() < end + 4 + length) {
                break;
            }
            String body = received.substring(end + 4, end + 4 + length);
            received.delete(0, end + 4 + length);
            answers.add(new Answer(lines[0], Integer.parseInt(lines[0].split(" ")[1]), headers, body));
        }
        return answers;
    }

    /** The only answer written since the last call. */
    Answer answer() {
        List<Answer> answers = answers();
        if (answers.size() != 1) {
            throw new AssertionError("expected one answer, got " + answers);
        }
        return answers.get(0);
    }
}
