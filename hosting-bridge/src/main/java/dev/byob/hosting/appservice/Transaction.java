package dev.byob.hosting.appservice;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

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
 * @param body the JSON body the transaction was parsed from, when it was: what a store keeps rather than write
 *     the events out again ({@link #fromJson} reads it back)
 */
public record Transaction(String txnId, List<JsonNode> events, List<JsonNode> ephemeral, List<JsonNode> toDevice,
                          Optional<String> body) {
    /** The unstable (MSC2409) and stable names of the to-device list, in the order they are looked for. */
    static final List<String> TO_DEVICE_FIELDS = List.of("de.sorunome.msc2409.to_device", "to_device");

    static final ObjectMapper JSON = new ObjectMapper();

    /** Copies the lists and checks the id is present. */
    public Transaction {
        Objects.requireNonNull(txnId, "txnId");
        events = List.copyOf(events);
        ephemeral = List.copyOf(ephemeral);
        toDevice = List.copyOf(toDevice);
        Objects.requireNonNull(body, "body");
    }

    /** A transaction not parsed from a body. */
    public Transaction(String txnId, List<JsonNode> events, List<JsonNode> ephemeral, List<JsonNode> toDevice) {
        this(txnId, events, ephemeral, toDevice, Optional.empty());
    }

    /** A transaction without to-device events, not parsed from a body. */
    public Transaction(String txnId, List<JsonNode> events, List<JsonNode> ephemeral) {
        this(txnId, events, ephemeral, List.of());
    }

    /**
     * Reads a transaction back from the {@link #body} it was parsed from (or JSON of the same shape).
     *
     * @throws IllegalArgumentException if {@code json} is not such a body; the message says why
     */
    public static Transaction fromJson(String txnId, String json) {
        try {
            return parse(txnId, json);
        } catch (MalformedTransactionException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * Parses a transaction body: a JSON object with an {@code events} list of objects and an optional
     * {@code ephemeral} list of objects. The transaction keeps {@code json} as its {@link #body}.
     *
     * @throws MalformedTransactionException with {@code M_NOT_JSON} or {@code M_BAD_JSON}
     */
    static Transaction parse(String txnId, String json) throws MalformedTransactionException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new MalformedTransactionException("M_NOT_JSON", "the body is not JSON: " + e.getOriginalMessage());
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
                ephemeral == null || ephemeral.isNull() ? List.of() : objects(ephemeral, "ephemeral"), toDevice,
                Optional.of(json));
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
