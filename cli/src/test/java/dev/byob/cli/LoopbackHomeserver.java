package dev.byob.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A stand-in homeserver on loopback for command tests: queued JSON answers, the requests it received. As a
 * {@code @RegisterExtension} field it is closed after each test.
 */
public final class LoopbackHomeserver implements AutoCloseable, AfterEachCallback {
    /** The server, for what this class does not wrap (taking requests, a dispatcher). */
    public final MockWebServer server = new MockWebServer();

    /** Starts one on a free loopback port. */
    public LoopbackHomeserver() {
        try {
            server.start(InetAddress.getLoopbackAddress(), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Queues an answer with {@code code} and the JSON body {@code json}. */
    public void answer(int code, String json) {
        server.enqueue(new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json")
                .body(json).build());
    }

    /** Its base URL. */
    public URI base() {
        return URI.create(server.url("/").toString());
    }

    @Override
    public void close() {
        server.close();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }
}
