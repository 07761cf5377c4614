package dev.byob.hosting.appservice;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A batch of events the homeserver pushed with {@code PUT /_matrix/app/v1/transactions/{txnId}}, in the order
 * it sent them. Events are kept as the JSON received, unknown types included; treat them as read-only.
 *
 * @param txnId the homeserver's transaction id: the same id always carries the same events
 * @param events the persistent events (client-server API format), in order
 * @param ephemeral the ephemeral events ({@code m.typing}, {@code m.receipt}, {@code m.presence}), if the
 *     registration asked for them; usually empty
 */
public record Transaction(String txnId, List<JsonNode> events, List<JsonNode> ephemeral) {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Copies the lists and checks the id is present. */
    public Transaction {
        Objects.requireNonNull(txnId, "txnId");
        events = List.copyOf(events);
        ephemeral = List.copyOf(ephemeral);
    }

    /**
     * Parses a transaction body: a JSON object with an {@code events} list of objects and an optional
     * {@code ephemeral} list of objects.
     *
     * @throws MalformedTransactionException with {@code M_NOT_JSON} or {@code M_BAD_JSON}
     */
    static Transaction parse(String txnId, InputStream body) throws MalformedTransactionException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new MalformedTransactionException("M_NOT_JSON", "the body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new MalformedTransactionException("M_NOT_JSON", "the body cannot be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new MalformedTransactionException("M_BAD_JSON", "the body must be a JSON object");
        }
        JsonNode events = root.get("events");
        if (events == null || !events.isArray()) {
            throw new MalformedTransactionException("M_BAD_JSON", "'events' must be a list");
        }
        JsonNode ephemeral = root.get("ephemeral");
        if (ephemeral != null && !ephemeral.isNull() && !ephemeral.isArray()) {
            throw new MalformedTransactionException("M_BAD_JSON", "'ephemeral' must be a list");
        }
        return new Transaction(txnId, objects(events, "events"),
                ephemeral == null || ephemeral.isNull() ? List.of() : objects(ephemeral, "ephemeral"));
    }

    private static List<JsonNode> objects(JsonNode array, String name) throws MalformedTransactionException {
        List<JsonNode> list = new ArrayList<>(array.size());
        for (JsonNode item : array) {
            if (!item.isObject()) {
                throw new MalformedTransactionException("M_BAD_JSON", "every entry of '" + name + "' must be an object");
            }
            list.add(item);
        }
        return list;
    }

    /** A transaction body that is not JSON or not shaped as the specification says. */
    static final class MalformedTransactionException extends Exception {
        private final String errcode;

        MalformedTransactionException(String errcode, String message) {
            super(message);
            this.errcode = errcode;
        }

        String errcode() {
            return errcode;
        }
    }
}
