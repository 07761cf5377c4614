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
 * @param toDevice the to-device events for the appservice's users (MSC2409: {@code de.sorunome.msc2409.to_device},
 *     or {@code to_device} once stable), if the homeserver sends them; usually empty
 */
public record Transaction(String txnId, List<JsonNode> events, List<JsonNode> ephemeral, List<JsonNode> toDevice) {
    /** The unstable (MSC2409) and stable names of the to-device list, in the order they are looked for. */
    static final List<String> TO_DEVICE_FIELDS = List.of("de.sorunome.msc2409.to_device", "to_device");

    static final ObjectMapper JSON = new ObjectMapper();

    /** Copies the lists and checks the id is present. */
    public Transaction {
        Objects.requireNonNull(txnId, "txnId");
        events = List.copyOf(events);
        ephemeral = List.copyOf(ephemeral);
        toDevice = List.copyOf(toDevice);
    }

    /** A transaction without to-device events. */
    public Transaction(String txnId, List<JsonNode> events, List<JsonNode> ephemeral) {
        this(txnId, events, ephemeral, List.of());
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
        List<JsonNode> toDevice = List.of();
        for (String field : TO_DEVICE_FIELDS) {
            JsonNode list = root.get(field);
            if (list != null && !list.isNull()) {
                if (!list.isArray()) {
                    throw new MalformedTransactionException("M_BAD_JSON", "'" + field + "' must be a list");
                }
                toDevice = objects(list, field);
                break;
            }
        }
        return new Transaction(txnId, objects(events, "events"),
                ephemeral == null || ephemeral.isNull() ? List.of() : objects(ephemeral, "ephemeral"), toDevice);
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
