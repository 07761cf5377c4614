package dev.byob.hosting.appservice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The server over real loopback sockets. */
class AppserviceServerTest {
    private static final String HS_TOKEN = "hs-token-for-server-tests-0123";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<AppserviceServer> servers = new ArrayList<>();

    @AfterEach
    void stopServers() {
        servers.forEach(AppserviceServer::stop);
    }

    private AppserviceServer start(AppserviceServer.Builder builder) throws IOException {
        AppserviceServer server = builder.build();
        servers.add(server);
        return server.start();
    }

    private static AppserviceServer.Builder builder(TransactionSink sink) {
        return AppserviceServer.builder().hsToken(HS_TOKEN).sink(sink)
                .ghosts(GhostNamespace.of("irc_", "example.org"));
    }

    private HttpRequest.Builder request(AppserviceServer server, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + HS_TOKEN);
    }

    private HttpResponse<String> put(AppserviceServer server, String txnId, String body) throws Exception {
        return http.send(request(server, "/_matrix/app/v1/transactions/" + txnId)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void start_portZero_bindsLoopbackAndExposesThePort() throws Exception {
        AppserviceServer server = start(builder(new InMemoryTransactionSink(10)));

        assertTrue(server.port() > 0);
        assertEquals(InetAddress.getLoopbackAddress(), server.address().getAddress());
        HttpResponse<String> live = http.send(request(server, "/health/live").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, live.statusCode());
        assertEquals("{\"live\":true}", live.body());
    }

    @Test
    void transaction_overASocket_isStoredAndAnswered() throws Exception {
        InMemoryTransactionSink sink = new InMemoryTransactionSink(10);
        AppserviceServer server = start(builder(sink));

        HttpResponse<String> response = put(server, "t1", "{\"events\":[{\"event_id\":\"$e\"}]}");

        assertEquals(200, response.statusCode());
        assertEquals("{}", response.body());
        assertEquals("2", response.headers().firstValue("Content-Length").orElseThrow());
        assertEquals("$e", sink.events().get(0).path("event_id").asText());
        assertEquals(1, server.metrics().eventsReceived().value());
    }

    @Test
    void transactions_fromConcurrentClients_areAllStoredOnce() throws Exception {
        InMemoryTransactionSink sink = new InMemoryTransactionSink(1000);
        AppserviceServer server = start(builder(sink));
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String txnId = "txn" + (i % 100);
                statuses.add(clients.submit(() -> put(server, txnId,
                        "{\"events\":[{\"event_id\":\"$" + txnId + "\"}]}").statusCode()));
            }
            for (Future<Integer> status : statuses) {
                assertEquals(200, status.get(30, TimeUnit.SECONDS));
            }
        } finally {
            clients.shutdownNow();
        }
        assertEquals(100, sink.acceptedCount());
        Set<String> ids = new HashSet<>();
        sink.events().forEach(e -> ids.add(e.path("event_id").asText()));
        assertEquals(100, ids.size());
        assertEquals(200, server.metrics().transactionsReceived().value());
        assertEquals(100, server.metrics().transactionsDuplicate().value());
    }

    @Test
    void bodyOverTheLimit_overASocket_answers413() throws Exception {
        AppserviceServer server = start(builder(new InMemoryTransactionSink(10)).maxBodyBytes(2048));

        HttpResponse<String> response = put(server, "big", "{\"events\":[{\"x\":\"" + "y".repeat(4096) + "\"}]}");

        assertEquals(413, response.statusCode());
        assertTrue(response.body().contains("M_TOO_LARGE"), response.body());
    }

    @Test
    void startAndStop_areIdempotent_andAStoppedServerStaysStopped() throws Exception {
        AppserviceServer server = start(builder(new InMemoryTransactionSink(10)));
        int port = server.port();

        assertSame(server, server.start());
        assertEquals(port, server.port());
        server.stop();
        server.stop();
        server.close();

        assertThrows(IllegalStateException.class, server::start);
        assertThrows(IOException.class, () -> http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/live")).build(),
                HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void stop_beforeStart_isHarmless() {
        AppserviceServer server = builder(new InMemoryTransactionSink(1)).build();
        server.stop();
        assertThrows(IllegalStateException.class, server::port);
    }

    @Test
    void start_portTaken_failsWithTheAddress() throws Exception {
        AppserviceServer first = start(builder(new InMemoryTransactionSink(1)));
        AppserviceServer second = builder(new InMemoryTransactionSink(1)).port(first.port()).build();
        servers.add(second);

        IOException e = assertThrows(IOException.class, second::start);
        assertTrue(e.getMessage().startsWith("cannot listen on 127.0.0.1:" + first.port()), e.getMessage());
    }

    @Test
    void stop_whileATransactionIsBeingStored_letsItFinishAndAnswer() throws Exception {
        CountDownLatch storing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        InMemoryTransactionSink store = new InMemoryTransactionSink(10);
        TransactionSink slow = new TransactionSink() {
            @Override
            public boolean isProcessed(String txnId) {
                return store.isProcessed(txnId);
            }

            @Override
            public void accept(Transaction transaction) throws TransactionSinkException {
                storing.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new TransactionSinkException("interrupted", e);
                }
                store.accept(transaction);
            }
        };
        AppserviceServer server = start(builder(slow));
        CompletableFuture<HttpResponse<String>> response = http.sendAsync(request(server,
                "/_matrix/app/v1/transactions/slow").PUT(HttpRequest.BodyPublishers.ofString("{\"events\":[{}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(storing.await(10, TimeUnit.SECONDS));

        CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::stop);
        Thread.sleep(200);
        assertFalse(stopping.isDone(), "stop waits for the transaction being stored");
        release.countDown();

        stopping.get(30, TimeUnit.SECONDS);
        assertEquals(200, response.get(10, TimeUnit.SECONDS).statusCode());
        assertTrue(store.isProcessed("slow"));
    }
}
