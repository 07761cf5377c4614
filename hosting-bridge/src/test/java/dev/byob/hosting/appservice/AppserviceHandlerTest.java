package dev.byob.hosting.appservice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.byob.hosting.appservice.ApiChannel.Answer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AppserviceHandlerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Executor DIRECT = Runnable::run;
    private static final String TXN_PATH = "/_matrix/app/v1/transactions/";
    private static final String TWO_EVENTS = "{\"events\":["
            + "{\"type\":\"m.room.member\",\"event_id\":\"$1\",\"state_key\":\"@ircbridge:example.org\","
            + "\"content\":{\"membership\":\"invite\"}},"
            + "{\"type\":\"m.room.message\",\"event_id\":\"$2\",\"content\":{\"body\":\"hi\"}}]}";

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    private static List<String> eventIds(InMemoryTransactionSink sink) {
        return sink.events().stream().map(e -> e.path("event_id").asText()).toList();
    }

    private static void assertMatrixError(Answer answer, int status, String errcode) throws Exception {
        assertEquals(status, answer.status(), answer.toString());
        assertEquals("application/json", answer.header("Content-Type"));
        assertEquals(errcode, json(answer.body()).path("errcode").asText(), answer.body());
        assertTrue(json(answer.body()).path("error").isTextual(), answer.body());
    }

    // ---- transactions ----

    @Test
    void transaction_withToDeviceEvents_keepsThem_unstableNameFirst() {
        InMemoryTransactionSink sink = new InMemoryTransactionSink(10);
        ApiChannel api = new ApiChannel(sink, DIRECT);

        api.send(ApiChannel.authorized("PUT", TXN_PATH + "1", "{\"events\":[],"
                + "\"de.sorunome.msc2409.to_device\":[{\"type\":\"a\"}],\"to_device\":[{\"type\":\"b\"}]}"));
        assertEquals(200, api.answer().status());
        api.send(ApiChannel.authorized("PUT", TXN_PATH + "2", "{\"events\":[],\"to_device\":[{\"type\":\"c\"}]}"));
        assertEquals(200, api.answer().status());

        assertEquals("a", sink.transactions().get(0).toDevice().get(0).path("type").asText());
        assertEquals(1, sink.transactions().get(0).toDevice().size());
        assertEquals("c", sink.transactions().get(1).toDevice().get(0).path("type").asText());
    }

    @Test
    void transaction_validToken_storesEventsInOrderAndAnswersEmptyObjectWithLength() {
        InMemoryTransactionSink sink = new InMemoryTransactionSink(10);
        ApiChannel api = new ApiChannel(sink, DIRECT);

        api.send(ApiChannel.authorized("PUT", TXN_PATH + "1", TWO_EVENTS));

        Answer answer = api.answer();
        assertEquals(200, answer.status());
        assertEquals("{}", answer.body());
        assertEquals("2", answer.header("Content-Length"));
        assertEquals("application/json", answer.header("Content-Type"));
        assertEquals(List.of("$1", "$2"), eventIds(sink));
        assertEquals("1", sink.transactions().get(0).txnId());
        assertEquals(1, api.metrics.transactionsReceived().value());
        assertEquals(2, api.metrics.eventsReceived().value());
        assertTrue(api.channel.isOpen());
    }

    @Test
    void transaction_answeredOnlyAfterTheSinkHasAcceptedIt() {
        InMemoryTransactionSink sink = new InMemoryTransactionSink(10);
        ManualExecutor intake = new ManualExecutor(10);
        ApiChannel api = new ApiChannel(sink, intake);

        api.send(ApiChannel.authorized("PUT", TXN_PATH + "1", TWO_EVENTS));
        assertEquals(List.of(), api.answers(), "no answer before the events are stored");
        assertEquals(List.of(), sink.events());

        intake.runOne();
        assertEquals(200, api.answer().status());
        assertEquals(List.of("$1", "$2"), eventIds(sink));
    }

    @Test
    void transaction_severalQueued_reachTheSinkInArrivalOrder() {
        InMemoryTransactionSink sink = new InMemoryTransactionSink(10);
        ManualExecutor intake = new ManualExecutor(10);
        ApiChannel first = new ApiChannel(sink, intake);
        ApiChannel second = new ApiChannel(sink, intake);

        first.send(ApiChannel.authorized("PUT", TXN_PATH + "a", "{\"events\":[{\"event_id\":\"$a\"}]}"));
        second.send(ApiChannel.authorized("PUT", TXN_PATH + "b", "{\"events\":[{\"event_id\":\"$b\"}]}"));
        intake.runOne();
        intake.runOne();

        assertEquals(List.of("$a", "$b"), eventIds(sink));
        assertEquals(200, first.answer().status());
        assertEquals(200, second.answer().status());
    }

    @Test
    void transaction_repeatedId_isANoOp200WithoutStoringAgain() throws Exception {
        TransactionSink sink = spy(new InMemoryTransactionSink(10));
        ApiChannel api = new ApiChannel(sink, DIRECT);

        api.send(ApiChannel.authorized("PUT", TXN_PATH + "7", TWO_EVENTS));
        api.send(ApiChannel.authorized("PUT", TXN_PATH + "7", TWO_EVENTS));

        List<Answer> answers = api.answers();
        assertEquals(2, answers.size());
        assertEquals("{}", answers.get(1).body());
        assertEquals(200, answers.get(1).status());
        verify(sink, times(1)).accept(any());
        verify(sink, times(1)).isProcessed("7");
        assertEquals(2, api.metrics.transactionsReceived().value());
        assertEquals(1, api.metrics.transactionsDuplicate().value());
        assertEquals(2, api.metrics.eventsReceived().value());
    }

    @Test
    void transaction_repeatNoLongerRemembered_isFoundInTheSink() throws Exception {
        InMemoryTransactionSink store = new InMemoryTransactionSink(10);
        ApiChannel before = new ApiChannel(store, DIRECT);
        before.send(ApiChannel.authorized("PUT", TXN_PATH + "9", TWO_EVENTS));
        assertEquals(200, before.answer().status());
        TransactionSink sink = spy(store);
        ApiChannel restarted = new ApiChannel(sink, DIRECT);

        restarted.send(ApiChannel.authorized("PUT", TXN_PATH + "9", TWO_EVENTS));

        assertEquals(200, restarted.answer().status());
        verify(sink, never()).accept(any());
        assertEquals(1, restarted.metrics.transactionsDuplicate().value());
        assertEquals(2, store.events().size());
    }

    @Test
    void transaction_sinkFails_answers500AndTheRetryIsStored() throws Exception {
        TransactionSink sink = spy(new InMemoryTransactionSink(10));
        doThrow(new TransactionSinkException("disk full")).doCallRealMethod().when(sink).accept(any());
        ApiChannel api = new ApiChannel(sink, DIRECT);

        api.send(ApiChannel.authorized("PUT", TXN_PATH + "3", TWO_EVENTS));
        assertMatrixError(api.answer(), 500, "M_UNKNOWN");
        assertEquals(1, api.metrics.transactionsFailed().labels("store").value());

        api.send(ApiChannel.authorized("PUT", TXN_PATH + "3", TWO_EVENTS));
        assertEquals(200, api.answer().status());
        verify(sink, times(2)).accept(any());
        assertEquals(0, api.metrics.transactionsDuplicate().value());
    }

    @Test
    void transaction_sinkCannotTellWhetherProcessed_answers500() throws Exception {
        TransactionSink sink = mock(TransactionSink.class);
        when(sink.isProcessed("4")).thenThrow(new TransactionSinkException("connection lost"));
        ApiChannel api = new ApiChannel(sink, DIRECT);

        api.send(ApiChannel.authorized("PUT", TXN_PATH + "4", TWO_EVENTS));

        assertMatrixError(api.answer(), 500, "M_UNKNOWN");
        verify(sink, never()).accept(any());
    }

    @Test
    void transaction_sinkThrowsUnexpectedly_answers500() throws Exception {
        TransactionSink sink = mock(TransactionSink.class);
        doThrow(new IllegalStateException("bug")).when(sink).accept(any());
        ApiChannel api = new ApiChannel(sink, DIRECT);

        api.send(ApiChannel.authorized("PUT", TXN_PATH + "5", TWO_EVENTS));

        assertMatrixError(api.answer(), 500, "M_UNKNOWN");
    }

    @Test
    void transaction_intakeQueueFull_answers429WithRetryAfter() throws Exception {
        Executor full = task -> {
            throw new RejectedExecutionException("full");
        };
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(10), full);

        api.send(ApiChannel.authorized("PUT", TXN_PATH + "1", TWO_EVENTS));

        Answer answer = api.answer();
        assertMatrixError(answer, 429, "M_LIMIT_EXCEEDED");
        assertEquals(1000, json(answer.body()).path("retry_after_ms").asLong());
        assertEquals(1, api.metrics.transactionsFailed().labels("busy").value());
    }

    @Test
    void transaction_notJson_answers400NotJsonAndIsNotMarkedProcessed() throws Exception {
        InMemoryTransactionSink sink = new InMemoryTransactionSink(10);
        ApiChannel api = new ApiChannel(sink, DIRECT);

        api.send(ApiChannel.authorized("PUT", TXN_PATH + "1", "{not json"));

        assertMatrixError(api.answer(), 400, "M_NOT_JSON");
        assertFalse(sink.isProcessed("1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "{}", "{\"events\":{}}", "{\"events\":[1]}", "{\"events\":[],\"ephemeral\":7}"})
    void transaction_wrongShape_answers400BadJson(String body) throws Exception {
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(10), DIRECT);

        api.send(ApiChannel.authorized("PUT", TXN_PATH + "1", body));

        assertMatrixError(api.answer(), 400, "M_BAD_JSON");
        assertEquals(1, api.metrics.transactionsFailed().labels("bad_json").value());
    }

    @Test
    void transaction_withEphemeral_keepsThemApart() throws Exception {
        InMemoryTransactionSink sink = new InMemoryTransactionSink(10);
        ApiChannel api = new ApiChannel(sink, DIRECT);

        api.send(ApiChannel.authorized("PUT", TXN_PATH + "e",
                "{\"events\":[],\"ephemeral\":[{\"type\":\"m.typing\",\"room_id\":\"!r:x\"}]}"));

        assertEquals(200, api.answer().status());
        assertEquals("m.typing", sink.transactions().get(0).ephemeral().get(0).path("type").asText());
    }

    @Test
    void transaction_percentEncodedId_isDecoded() throws Exception {
        InMemoryTransactionSink sink = new InMemoryTransactionSink(10);
        ApiChannel api = new ApiChannel(sink, DIRECT);

        api.send(ApiChannel.authorized("PUT", TXN_PATH + "a%2Fb+c", TWO_EVENTS));

        assertEquals(200, api.answer().status());
        assertTrue(sink.isProcessed("a/b+c"));
    }

    @Test
    void transaction_bodyOverTheLimit_answers413AndCloses() throws Exception {
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(10), DIRECT);
        String big = "{\"events\":[{\"pad\":\"" + "x".repeat(ApiChannel.MAX_BODY) + "\"}]}";

        api.send(ApiChannel.authorized("PUT", TXN_PATH + "1", big));

        assertMatrixError(api.answer(), 413, "M_TOO_LARGE");
        assertFalse(api.channel.isOpen());
    }

    // ---- the homeserver's token ----

    @Test
    void transaction_noToken_answers401Unauthorized() throws Exception {
        InMemoryTransactionSink sink = new InMemoryTransactionSink(10);
        ApiChannel api = new ApiChannel(sink, DIRECT);

        api.send(ApiChannel.request("PUT", TXN_PATH + "1", Map.of(), TWO_EVENTS));

        assertMatrixError(api.answer(), 401, "M_UNAUTHORIZED");
        assertEquals(List.of(), sink.events());
        assertEquals(1, api.metrics.authFailures().labels("missing_token").value());
        assertEquals(0, api.metrics.transactionsReceived().value());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer wrong", "Bearer " + ApiChannel.HS_TOKEN + "x", "Bearer hs-token-for-tests"})
    void transaction_wrongToken_answers403Forbidden(String authorization) throws Exception {
        InMemoryTransactionSink sink = new InMemoryTransactionSink(10);
        ApiChannel api = new ApiChannel(sink, DIRECT);

        api.send(ApiChannel.request("PUT", TXN_PATH + "1", Map.of("Authorization", authorization), TWO_EVENTS));

        assertMatrixError(api.answer(), 403, "M_FORBIDDEN");
        assertEquals(List.of(), sink.events());
        assertEquals(1, api.metrics.authFailures().labels("wrong_token").value());
    }

    @Test
    void transaction_legacyQueryToken_isAccepted() {
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(10), DIRECT);

        api.send(ApiChannel.request("PUT", TXN_PATH + "1?access_token=" + ApiChannel.HS_TOKEN, Map.of(), TWO_EVENTS));

        assertEquals(200, api.answer().status());
    }

    @Test
    void transaction_headerRightButQueryWrong_isForbidden() throws Exception {
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(10), DIRECT);

        api.send(ApiChannel.request("PUT", TXN_PATH + "1?access_token=wrong",
                Map.of("Authorization", "Bearer " + ApiChannel.HS_TOKEN), TWO_EVENTS));

        assertMatrixError(api.answer(), 403, "M_FORBIDDEN");
    }

    @Test
    void transaction_emptyBearerWithQueryToken_usesTheQueryToken() {
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(10), DIRECT);

        api.send(ApiChannel.request("PUT", TXN_PATH + "1?access_token=" + ApiChannel.HS_TOKEN,
                Map.of("Authorization", "Bearer "), TWO_EVENTS));

        assertEquals(200, api.answer().status());
    }

    @Test
    void transaction_lowercaseBearerScheme_isAccepted() {
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(10), DIRECT);

        api.send(ApiChannel.request("PUT", TXN_PATH + "1", Map.of("Authorization", "bearer " + ApiChannel.HS_TOKEN),
                TWO_EVENTS));

        assertEquals(200, api.answer().status());
    }

    @Test
    void transaction_otherAuthorizationScheme_isMissingToken() throws Exception {
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(10), DIRECT);

        api.send(ApiChannel.request("PUT", TXN_PATH + "1", Map.of("Authorization", "Basic " + ApiChannel.HS_TOKEN),
                TWO_EVENTS));

        assertMatrixError(api.answer(), 401, "M_UNAUTHORIZED");
    }

    // ---- user queries and ping ----

    @Test
    void userQuery_ghostId_answers200EmptyObject() {
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(1), DIRECT);

        api.send(ApiChannel.authorized("GET", "/_matrix/app/v1/users/%40irc_libera_alice%3Aexample.org", null));

        Answer answer = api.answer();
        assertEquals(200, answer.status());
        assertEquals("{}", answer.body());
        assertEquals(1, api.metrics.userQueries().labels("exists").value());
    }

    @ParameterizedTest
    @ValueSource(strings = {"@alice:example.org", "@irc_alice:other.org", "@ircbridge:example.org"})
    void userQuery_outsideTheNamespace_answers404NotFound(String userId) throws Exception {
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(1), DIRECT);

        api.send(ApiChannel.authorized("GET", "/_matrix/app/v1/users/" + userId, null));

        assertMatrixError(api.answer(), 404, "M_NOT_FOUND");
        assertEquals(1, api.metrics.userQueries().labels("unknown").value());
    }

    @Test
    void userQuery_withoutToken_answers401() throws Exception {
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(1), DIRECT);

        api.send(ApiChannel.request("GET", "/_matrix/app/v1/users/@irc_a:example.org", Map.of(), null));

        assertMatrixError(api.answer(), 401, "M_UNAUTHORIZED");
    }

    @Test
    void ping_withToken_answers200EmptyObject() {
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(1), DIRECT);

        api.send(ApiChannel.authorized("POST", "/_matrix/app/v1/ping", "{\"transaction_id\":\"meow\"}"));

        Answer answer = api.answer();
        assertEquals(200, answer.status());
        assertEquals("{}", answer.body());
        assertEquals(1, api.metrics.pings().value());
    }

    @Test
    void ping_wrongToken_answers403() throws Exception {
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(1), DIRECT);

        api.send(ApiChannel.request("POST", "/_matrix/app/v1/ping", Map.of("Authorization", "Bearer nope"), "{}"));

        assertMatrixError(api.answer(), 403, "M_FORBIDDEN");
        assertEquals(0, api.metrics.pings().value());
    }

    // ---- health and metrics ----

    @Test
    void live_withoutToken_answers200() {
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(1), DIRECT);

        api.send(ApiChannel.request("GET", "/health/live", Map.of(), null));

        Answer answer = api.answer();
        assertEquals(200, answer.status());
        assertEquals("{\"live\":true}", answer.body());
    }

    @Test
    void ready_followsTheSupplier() {
        AtomicBoolean ready = new AtomicBoolean(false);
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(1), DIRECT, ready::get, new RecentTransactionIds(4));

        api.send(ApiChannel.request("GET", "/health/ready", Map.of(), null));
        Answer notReady = api.answer();
        assertEquals(503, notReady.status());
        assertEquals("{\"ready\":false}", notReady.body());

        ready.set(true);
        api.send(ApiChannel.request("GET", "/health/ready", Map.of(), null));
        assertEquals(200, api.answer().status());
    }

    @Test
    void ready_supplierThrows_isNotReady() {
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(1), DIRECT, () -> {
            throw new IllegalStateException("database gone");
        }, new RecentTransactionIds(4));

        api.send(ApiChannel.request("GET", "/health/ready", Map.of(), null));

        assertEquals(503, api.answer().status());
    }

    @Test
    void metrics_servesThePrometheusTextFormat() {
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(10), DIRECT);
        api.send(ApiChannel.authorized("PUT", TXN_PATH + "1", TWO_EVENTS));
        api.send(ApiChannel.authorized("PUT", TXN_PATH + "1", TWO_EVENTS));
        api.send(ApiChannel.request("PUT", TXN_PATH + "2", Map.of(), TWO_EVENTS));
        api.answers();

        api.send(ApiChannel.request("GET", "/metrics", Map.of(), null));

        Answer answer = api.answer();
        assertEquals(200, answer.status());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", answer.header("Content-Type"));
        String text = answer.body();
        assertTrue(text.contains("# TYPE hosting_bridge_appservice_transactions_received_total counter\n"), text);
        assertTrue(text.contains("hosting_bridge_appservice_transactions_received_total 2\n"), text);
        assertTrue(text.contains("hosting_bridge_appservice_transactions_duplicate_total 1\n"), text);
        assertTrue(text.contains("hosting_bridge_appservice_events_received_total 2\n"), text);
        assertTrue(text.contains("hosting_bridge_appservice_auth_failures_total{reason=\"missing_token\"} 1\n"), text);
        assertTrue(text.contains("# TYPE hosting_bridge_http_request_duration_seconds histogram\n"), text);
        assertTrue(text.contains("hosting_bridge_http_request_duration_seconds_count{route=\"transaction\"} 3\n"), text);
    }

    // ---- routing and HTTP ----

    @ParameterizedTest
    @ValueSource(strings = {"/", "/_matrix/app/v1/transactions/", "/_matrix/app/v1/transactions/1/extra",
        "/_matrix/app/v1/rooms/%23alias%3Aexample.org", "/_matrix/app/v1/ping/", "/transactions/1", "/metrics/x"})
    void unknownPath_answers404Unrecognized(String path) throws Exception {
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(1), DIRECT);

        api.send(ApiChannel.authorized("GET", path, null));

        assertMatrixError(api.answer(), 404, "M_UNRECOGNIZED");
    }

    @Test
    void wrongMethod_answers405UnrecognizedWithAllow() throws Exception {
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(1), DIRECT);

        api.send(ApiChannel.authorized("POST", TXN_PATH + "1", "{\"events\":[]}"));
        Answer answer = api.answer();
        assertMatrixError(answer, 405, "M_UNRECOGNIZED");
        assertEquals("PUT", answer.header("Allow"));

        api.send(ApiChannel.authorized("GET", "/_matrix/app/v1/ping", null));
        assertEquals(405, api.answer().status());
    }

    @Test
    void pipelinedRequests_areAnsweredInRequestOrder() throws Exception {
        InMemoryTransactionSink sink = new InMemoryTransactionSink(10);
        ManualExecutor intake = new ManualExecutor(10);
        ApiChannel api = new ApiChannel(sink, intake);

        api.send(ApiChannel.authorized("PUT", TXN_PATH + "1", TWO_EVENTS)
                + ApiChannel.authorized("POST", "/_matrix/app/v1/ping", "{}"));
        assertEquals(List.of(), api.answers(), "the ping's answer waits for the transaction's");

        intake.runOne();
        List<Answer> answers = api.answers();
        assertEquals(2, answers.size());
        assertEquals(List.of(200, 200), answers.stream().map(Answer::status).toList());
        assertEquals(1, api.metrics.pings().value());
        assertEquals(2, sink.events().size());
    }

    @Test
    void http10WithoutKeepAlive_isClosedAfterTheAnswer() {
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(1), DIRECT);

        api.send("GET /health/live HTTP/1.0\r\n\r\n");

        assertEquals(200, api.answer().status());
        assertFalse(api.channel.isOpen());
    }

    @Test
    void connectionClose_isHonoured() {
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(1), DIRECT);

        api.send(ApiChannel.request("GET", "/health/live", Map.of("Connection", "close"), null));

        assertEquals("close", api.answer().header("Connection"));
        assertFalse(api.channel.isOpen());
    }

    @Test
    void malformedRequest_answers400() {
        ApiChannel api = new ApiChannel(new InMemoryTransactionSink(1), DIRECT);

        api.send("PUT /x HTTP/1.1\r\nContent-Length: nonsense\r\n\r\n");

        assertEquals(400, api.answer().status());
    }

    @Test
    void expectContinue_isAnsweredWith100ThenTheAnswer() {
        InMemoryTransactionSink sink = new InMemoryTransactionSink(10);
        ApiChannel api = new ApiChannel(sink, DIRECT);
        String request = ApiChannel.request("PUT", TXN_PATH + "c",
                Map.of("Authorization", "Bearer " + ApiChannel.HS_TOKEN, "Expect", "100-continue"), TWO_EVENTS);
        int bodyStart = request.indexOf("\r\n\r\n") + 4;

        api.send(request.substring(0, bodyStart));
        List<Answer> interim = api.answers();
        assertEquals(1, interim.size());
        assertEquals(100, interim.get(0).status());

        api.send(request.substring(bodyStart));
        assertEquals(200, api.answer().status());
        assertEquals(2, sink.events().size());
    }
}
