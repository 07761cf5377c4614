package dev.byob.visiting.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Accept;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.visiting.TrustReceipt;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON state file of earlier versions ({@code state.json}), read once by {@link StateStore} to import it:
 * sync tokens, DMs with hosting bridges' bots, and trust receipts with their fill-in acknowledgements.
 */
record StateFile(String userNextBatch, String botNextBatch, Map<UserId, RoomId> pairDms, Map<UserId, RoomId> userDms,
                 Map<TrustKey, StateStore.StoredTrust> trust) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static StateFile read(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException("cannot read the old state file " + file + ": " + e.getMessage(), e);
        }
        Map<UserId, RoomId> pair = new LinkedHashMap<>();
        Map<UserId, RoomId> user = new LinkedHashMap<>();
        Map<TrustKey, StateStore.StoredTrust> trust = new LinkedHashMap<>();
        try {
            root.path("pair_dms").fields().forEachRemaining(e ->
                    pair.put(UserId.parse(e.getKey()), RoomId.parse(e.getValue().asText())));
            root.path("user_dms").fields().forEachRemaining(e ->
                    user.put(UserId.parse(e.getKey()), RoomId.parse(e.getValue().asText())));
            for (JsonNode t : root.path("trust")) {
                TrustKey key = new TrustKey(UserId.parse(t.path("hb_bot").asText()),
                        UserId.parse(t.path("user_id").asText()),
                        new Network(t.path("protocol").asText(), t.path("network").asText()));
                TrustReceipt receipt = new TrustReceipt(key, t.path("epoch").asLong(),
                        Instant.ofEpochMilli(t.path("established_at").asLong()),
                        new Accept.LeaseTerms(t.path("lease_ms").asLong(), t.path("heartbeat_interval_ms").asLong()),
                        new TxnId(t.path("txn_id").asText()));
                trust.put(key, new StateStore.StoredTrust(receipt, t.path("fill_ack").asLong()));
            }
        } catch (IllegalArgumentException e) {
            throw new IOException("the old state file " + file + " holds an invalid value: " + e.getMessage(), e);
        }
        return new StateFile(text(root, "user_next_batch"), text(root, "bot_next_batch"), pair, user, trust);
    }

    private static String text(JsonNode root, String field) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }
}
