package dev.byob.cli.simulate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.protocol.message.MessageType;
import java.time.Instant;

/** One-line summaries of byob message content for the transcript. */
final class Describe {
    private Describe() {}

    static String message(MessageType type, JsonNode c) {
        String txn = "txn " + shorten(c.path("txn_id").asText());
        switch (type) {
            case REQUEST:
                return txn + ": step aside for " + c.path("user_id").asText() + " on " + network(c) + " as "
                        + c.path("remote_account").asText() + "; proofs " + c.path("matrix_proof_methods")
                        + " / " + c.path("remote_proof_methods") + signed(c);
            case CHALLENGE:
                return txn + ": Matrix proof by " + c.path("matrix_proof").path("method").asText() + " (nonce "
                        + shorten(c.path("matrix_proof").path("nonce").asText()) + "), remote proof by "
                        + c.path("remote_proof").path("method").asText() + " to "
                        + c.path("remote_proof").path("target").asText() + " (nonce "
                        + shorten(c.path("remote_proof").path("nonce").asText()) + "), expires "
                        + Instant.ofEpochMilli(c.path("expires_at").asLong());
            case ANSWER:
                return txn + ": both proofs made; binds nonce hashes " + shorten(c.path("matrix_nonce_sha256").asText())
                        + " and " + shorten(c.path("remote_nonce_sha256").asText()) + signed(c);
            case ACCEPT:
                return txn + ": trusted at epoch " + c.path("epoch").asLong() + "; lease "
                        + c.path("lease").path("lease_ms").asLong() / 1000 + " s, heartbeat every "
                        + c.path("lease").path("heartbeat_interval_ms").asLong() / 1000 + " s";
            case CANCEL:
                return txn + ": " + c.path("code").asText() + " — " + c.path("reason").asText() + signed(c);
            case HEARTBEAT:
                return "epoch " + c.path("epoch").asLong() + ", seq " + c.path("seq").asLong() + ", fill_ack "
                        + c.path("fill_ack").asLong() + signed(c);
            case LEASE:
                return "epoch " + c.path("epoch").asLong() + ", seq " + c.path("seq").asLong() + ", lease "
                        + c.path("lease_ms").asLong() / 1000 + " s, " + c.path("filled_in").size() + " filled in";
            case RELEASE:
                return "epoch " + c.path("epoch").asLong() + ": step back in" + signed(c);
            case REVOKED:
                return "epoch " + c.path("epoch").asLong() + " ended: " + c.path("code").asText() + " — "
                        + c.path("reason").asText();
            default:
                return txn;
        }
    }

    /** The proof text with its nonce shortened, so transcripts stay readable. */
    static String shortNonceText(String text) {
        int space = text.lastIndexOf(' ');
        return space < 0 ? text : text.substring(0, space + 1) + shorten(text.substring(space + 1));
    }

    private static String network(JsonNode c) {
        return c.path("network").path("protocol").asText() + "/" + c.path("network").path("id").asText();
    }

    private static String signed(JsonNode c) {
        JsonNode sigs = c.path("signatures");
        if (!sigs.isObject() || sigs.isEmpty()) {
            return "";
        }
        String entity = sigs.fieldNames().next();
        String key = sigs.path(entity).fieldNames().hasNext() ? sigs.path(entity).fieldNames().next() : "?";
        return " [signed " + key + "]";
    }

    private static String shorten(String s) {
        return s.length() > 8 ? s.substring(0, 6) + "…" : s;
    }
}
