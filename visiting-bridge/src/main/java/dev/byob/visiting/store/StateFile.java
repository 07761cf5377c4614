package dev.byob.visiting.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Accept;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.visiting.TrustReceipt;
import dev.byob.visiting.config.Credentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The bridge's durable state, in one small JSON file under the data directory, rewritten atomically on every
 * change: the sync tokens, the DMs with hosting bridges' bots, and the trust receipts with their fill-in
 * acknowledgements, so a restart resumes without a new handshake. Not thread-safe: used from the core thread.
 */
public final class StateFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A receipt and the highest fill-in recorded for it. */
    public record StoredTrust(TrustReceipt receipt, long fillAck) {}

    private final Path file;
    private String userNextBatch;
    private String botNextBatch;
    private final Map<UserId, RoomId> pairDms = new LinkedHashMap<>();
    private final Map<UserId, RoomId> userDms = new LinkedHashMap<>();
    private final Map<TrustKey, StoredTrust> trust = new LinkedHashMap<>();

    private StateFile(Path file) {
        this.file = file;
    }

    /** The state in {@code file}, or an empty one if it does not exist yet. */
    public static StateFile open(Path file) throws IOException {
        StateFile s = new StateFile(file);
        if (Files.exists(file)) {
            JsonNode root = JSON.readTree(file.toFile());
            s.userNextBatch = text(root, "user_next_batch");
            s.botNextBatch = text(root, "bot_next_batch");
            root.path("pair_dms").fields().forEachRemaining(e ->
                    s.pairDms.put(UserId.parse(e.getKey()), RoomId.parse(e.getValue().asText())));
            root.path("user_dms").fields().forEachRemaining(e ->
                    s.userDms.put(UserId.parse(e.getKey()), RoomId.parse(e.getValue().asText())));
            for (JsonNode t : root.path("trust")) {
                TrustKey key = new TrustKey(UserId.parse(t.path("hb_bot").asText()),
                        UserId.parse(t.path("user_id").asText()),
                        new Network(t.path("protocol").asText(), t.path("network").asText()));
                TrustReceipt receipt = new TrustReceipt(key, t.path("epoch").asLong(),
                        Instant.ofEpochMilli(t.path("established_at").asLong()),
                        new Accept.LeaseTerms(t.path("lease_ms").asLong(), t.path("heartbeat_interval_ms").asLong()),
                        new TxnId(t.path("txn_id").asText()));
                s.trust.put(key, new StoredTrust(receipt, t.path("fill_ack").asLong()));
            }
        }
        return s;
    }

    private static String text(JsonNode root, String field) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    public Optional<String> userNextBatch() {
        return Optional.ofNullable(userNextBatch);
    }

    public Optional<String> botNextBatch() {
        return Optional.ofNullable(botNextBatch);
    }

    public void userNextBatch(String token) {
        userNextBatch = token;
        save();
    }

    public void botNextBatch(String token) {
        botNextBatch = token;
        save();
    }

    /** The bridge bot's DM with {@code hbBot} (§3.1). */
    public Optional<RoomId> pairDm(UserId hbBot) {
        return Optional.ofNullable(pairDms.get(hbBot));
    }

    public void pairDm(UserId hbBot, RoomId room) {
        pairDms.put(hbBot, room);
        save();
    }

    /** Every DM of the bridge bot with a hosting bridge bot. */
    public Map<UserId, RoomId> pairDms() {
        return Map.copyOf(pairDms);
    }

    /** Every DM of the user with a hosting bridge bot, made for proofs. */
    public Map<UserId, RoomId> userDms() {
        return Map.copyOf(userDms);
    }

    /** The user's DM with {@code hbBot}, where the Matrix proof goes (§7.1). */
    public Optional<RoomId> userDm(UserId hbBot) {
        return Optional.ofNullable(userDms.get(hbBot));
    }

    public void userDm(UserId hbBot, RoomId room) {
        userDms.put(hbBot, room);
        save();
    }

    /** Every trust receipt held. */
    public Map<TrustKey, StoredTrust> trust() {
        return Map.copyOf(trust);
    }

    public void trust(TrustReceipt receipt, long fillAck) {
        trust.put(receipt.key(), new StoredTrust(receipt, fillAck));
        save();
    }

    public void forget(TrustKey key) {
        if (trust.remove(key) != null) {
            save();
        }
    }

    private void save() {
        ObjectNode root = JSON.createObjectNode();
        root.put("user_next_batch", userNextBatch);
        root.put("bot_next_batch", botNextBatch);
        ObjectNode pair = root.putObject("pair_dms");
        pairDms.forEach((k, v) -> pair.put(k.value(), v.value()));
        ObjectNode user = root.putObject("user_dms");
        userDms.forEach((k, v) -> user.put(k.value(), v.value()));
        ArrayNode list = root.putArray("trust");
        trust.values().forEach(st -> {
            TrustReceipt r = st.receipt();
            ObjectNode t = list.addObject();
            t.put("hb_bot", r.key().hbBot().value());
            t.put("user_id", r.key().userId().value());
            t.put("protocol", r.key().network().protocol());
            t.put("network", r.key().network().id());
            t.put("epoch", r.epoch());
            t.put("established_at", r.establishedAt().toEpochMilli());
            t.put("lease_ms", r.lease().leaseMs());
            t.put("heartbeat_interval_ms", r.lease().heartbeatIntervalMs());
            t.put("txn_id", r.txnId().value());
            t.put("fill_ack", st.fillAck());
        });
        try {
            Credentials.writeOwnerOnly(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
