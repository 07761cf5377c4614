package dev.byob.it.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * What the load driver sends, without any I/O: the transactions of a round, cut into batches as a homeserver
 * cuts its queue, with transaction ids unique per run, and the figures a round yields.
 *
 * @param run a tag unique to this run, in every transaction and event id (a bridge's store outlives runs)
 * @param room the bridged room the events are in
 * @param perTransaction events in one transaction (Synapse sends at most 100)
 */
record LoadPlan(String run, String room, int perTransaction) {
    private static final ObjectMapper JSON = new ObjectMapper();

    LoadPlan {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(room, "room");
        if (run.isEmpty() || !run.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("run must be a non-empty [A-Za-z0-9_-] tag, was '" + run + "'");
        }
        if (perTransaction < 1) {
            throw new IllegalArgumentException("perTransaction must be at least 1, was " + perTransaction);
        }
    }

    /** One transaction to send: its id and body. */
    record Transaction(String txnId, byte[] body, int events) {
    }

    /** The sizes of the transactions that carry {@code events} events: full batches, then the rest. */
    List<Integer> batches(int events) {
        if (events < 0) {
            throw new IllegalArgumentException("events must not be negative, was " + events);
        }
        List<Integer> sizes = new ArrayList<>();
        for (int left = events; left > 0; left -= perTransaction) {
            sizes.add(Math.min(left, perTransaction));
        }
        return sizes;
    }

    /** The id of transaction {@code index} of round {@code round} (a label such as {@code warmup1}). */
    String txnId(String round, int index) {
        return "load." + run + "." + round + "." + index;
    }

    /**
     * The transactions of round {@code round}: {@code events} {@code m.text} messages, event {@code n} of the
     * round (from 0) sent by {@code sender.apply(n)}.
     */
    List<Transaction> round(String round, int events, IntFunction<String> sender) {
        List<Transaction> out = new ArrayList<>();
        int n = 0;
        int index = 0;
        for (int size : batches(events)) {
            ObjectNode body = JSON.createObjectNode();
            ArrayNode list = body.putArray("events");
            for (int i = 0; i < size; i++, n++) {
                ObjectNode event = list.addObject();
                event.put("type", "m.room.message");
                event.put("room_id", room);
                event.put("sender", sender.apply(n));
                event.put("event_id", "$" + run + "." + round + "." + n);
                event.put("origin_server_ts", 1_700_000_000_000L + n);
                ObjectNode content = event.putObject("content");
                content.put("msgtype", "m.text");
                content.put("body", "load " + round + " " + n);
            }
            try {
                out.add(new Transaction(txnId(round, index++), JSON.writeValueAsBytes(body), size));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("cannot serialize a transaction", e);
            }
        }
        return out;
    }

    /**
     * The trusted user behind event {@code n}: the events walk over all {@code records} users with a stride prime
     * to it, so consecutive events come from users far apart, as in a busy bridge.
     */
    static int spread(long n, int records) {
        if (records < 1) {
            throw new IllegalArgumentException("records must be at least 1, was " + records);
        }
        long stride = 7919;
        while (gcd(stride, records) != 1) {
            stride++;
        }
        return (int) Math.floorMod(n * stride, (long) records);
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** Events per second for {@code events} handled in {@code nanos}. */
    static double perSecond(long events, long nanos) {
        if (nanos <= 0) {
            throw new IllegalArgumentException("nanos must be positive, was " + nanos);
        }
        return events * 1e9 / nanos;
    }

    /** The median of {@code values} (the mean of the middle two for an even count). */
    static double median(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values");
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
