package dev.byob.it.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoadPlanTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final LoadPlan plan = new LoadPlan("r1", "!room:localhost", 100);

    @Test
    void batches_cutsIntoFullTransactionsThenTheRest() {
        assertEquals(List.of(100, 100, 50), plan.batches(250));
        assertEquals(List.of(100), plan.batches(100));
        assertEquals(List.of(), plan.batches(0));
        assertThrows(IllegalArgumentException.class, () -> plan.batches(-1));
    }

    @Test
    void round_carriesEveryEventOnce_inOrder_withIdsUniqueInTheRun() throws Exception {
        List<LoadPlan.Transaction> round = plan.round("round1", 250, n -> "@u" + n + ":localhost");
        assertEquals(List.of("load.r1.round1.0", "load.r1.round1.1", "load.r1.round1.2"),
                round.stream().map(LoadPlan.Transaction::txnId).toList());
        Set<String> eventIds = new HashSet<>();
        int n = 0;
        for (LoadPlan.Transaction txn : round) {
            JsonNode events = JSON.readTree(txn.body()).get("events");
            assertEquals(txn.events(), events.size());
            for (JsonNode event : events) {
                assertEquals("m.room.message", event.get("type").asText());
                assertEquals("!room:localhost", event.get("room_id").asText());
                assertEquals("@u" + n + ":localhost", event.get("sender").asText());
                assertEquals("load round1 " + n, event.at("/content/body").asText());
                assertTrue(eventIds.add(event.get("event_id").asText()));
                n++;
            }
        }
        assertEquals(250, n);
        String otherRound = JSON.readTree(plan.round("round2", 1, i -> "@u:localhost").get(0).body())
                .at("/events/0/event_id").asText();
        assertTrue(!eventIds.contains(otherRound), otherRound);
    }

    @Test
    void newPlan_badRunTagOrBatchSize_refused() {
        assertThrows(IllegalArgumentException.class, () -> new LoadPlan("a.b", "!r:x", 100));
        assertThrows(IllegalArgumentException.class, () -> new LoadPlan("", "!r:x", 100));
        assertThrows(IllegalArgumentException.class, () -> new LoadPlan("a", "!r:x", 0));
    }

    @Test
    void spread_visitsEveryRecordOncePerCycle() {
        for (int records : List.of(1, 10, 7919, 100_000)) {
            Set<Integer> seen = new HashSet<>();
            for (int n = 0; n < records; n++) {
                int i = LoadPlan.spread(n, records);
                assertTrue(i >= 0 && i < records);
                seen.add(i);
            }
            assertEquals(records, seen.size(), "records " + records);
        }
        assertTrue(Math.abs(LoadPlan.spread(1, 100_000) - LoadPlan.spread(0, 100_000)) > 1000);
    }

    @Test
    void perSecondAndMedian() {
        assertEquals(20_000.0, LoadPlan.perSecond(10_000, 500_000_000L), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> LoadPlan.perSecond(1, 0));
        assertEquals(3.0, LoadPlan.median(List.of(5.0, 1.0, 3.0)));
        assertEquals(2.5, LoadPlan.median(List.of(4.0, 1.0, 3.0, 2.0)));
        assertThrows(IllegalArgumentException.class, () -> LoadPlan.median(List.of()));
    }
}
