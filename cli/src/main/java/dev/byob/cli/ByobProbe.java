package dev.byob.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.cli.conformance.HbInbox;
import dev.byob.cli.conformance.HbWire.HbMessage;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.kit.matrix.MatrixException;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.MessageType;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Whether a bridge bot speaks byob, asked the cheapest way the spec allows: a request with a {@code txn_id} but
 * nothing else, in a DM with the bot. A byob hosting bridge answers it with a {@code cancel}
 * ({@code invalid_message}, with the JSON pointer of what is missing, §4.3) and starts no exchange.
 */
final class ByobProbe {
    private ByobProbe() {
    }

    /** One line saying what {@code bot} did, as the account of {@code client}; leaves the DM it opened. */
    static String run(MatrixClient client, UserId bot, Duration timeout) {
        String txn = "probe" + HexFormat.of().formatHex(new SecureRandom().generateSeed(8));
        HbInbox.DirectRoom dm = null;
        try {
            HbInbox inbox = new HbInbox(client, bot);
            dm = HbInbox.openDm(client, bot, timeout);
            if (!dm.botJoined()) {
                return "  probe " + bot + ": did not join a DM within " + timeout.toSeconds() + " s (no byob here)";
            }
            inbox.watch(dm.room());
            int mark = inbox.mark();
            ObjectNode incomplete = JsonNodeFactory.instance.objectNode().put("version", 1).put("txn_id", txn);
            String sent = client.sendMessageEvent(dm.room(), MessageType.REQUEST.eventType(), incomplete).value();
            Optional<HbMessage> reply = inbox.await(mark, m -> txn.equals(m.txnId()), timeout);
            if (reply.isEmpty()) {
                return "  probe " + bot + ": joined the DM but did not answer a byob request (" + sent + ") within "
                        + timeout.toSeconds() + " s: not byob-capable, or not answering";
            }
            HbMessage m = reply.get();
            String what = MessageType.fromEventType(m.eventType()).map(MessageType::suffix).orElse(m.eventType());
            return "  probe " + bot + ": answers byob: " + what + " " + m.content().path("code").asText("")
                    + " \"" + m.content().path("reason").asText("") + "\" (" + m.eventId() + ")";
        } catch (MatrixException e) {
            return "  probe " + bot + ": the homeserver refused: " + e.errcode() + " " + e.error();
        } finally {
            if (dm != null) {
                try {
                    client.leave(dm.room());
                } catch (RuntimeException e) {
                    // Best effort: the probe's answer does not depend on it.
                }
            }
        }
    }
}
