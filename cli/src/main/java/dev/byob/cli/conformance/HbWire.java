package dev.byob.cli.conformance;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.message.Answer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * What the conformance run needs from the world, as a visiting bridge would do it: speak in the DM with the
 * hosting bridge's bot, make proofs as the user, and read what the bot says. The live implementation
 * ({@link LiveWire}) does this on a real homeserver and IRC network; the checks ({@link ConformanceRun}) only
 * ever see this interface, so they can be tested against an in-process hosting bridge.
 */
public interface HbWire {

    /** Who sends a remote proof line. */
    enum RemoteSender {
        /** The user's own connection, logged in to the claimed account. */
        USER,
        /** A connection logged in to no account, using the claimed account's name as its nick where it can. */
        NOT_LOGGED_IN,
        /** A connection logged in to another account. */
        OTHER_ACCOUNT
    }

    /**
     * A byob message the hosting bridge's bot sent, with where it was seen; {@code originServerTs} is the
     * event's {@code origin_server_ts}, or 0 when not known.
     */
    record HbMessage(String eventId, String roomId, String eventType, ObjectNode content, long originServerTs) {
        /** The message's {@code txn_id}, or empty. */
        public String txnId() {
            return content.path("txn_id").asText("");
        }
    }

    /**
     * Opens the DM between the visiting bridge's bot and the hosting bridge's bot (§3.1) and the user's DM with
     * the bot for {@code dm} proofs (§7.1); returns evidence lines, or empty when the bot did not join in time.
     */
    Optional<List<String>> openDms(Duration timeout);

    /**
     * Sends a message as the visiting bridge's bot in the DM; returns its event id.
     *
     * @throws EventRefused when the homeserver refuses the event itself (content it does not accept)
     */
    String send(String eventType, ObjectNode content);

    /** A message sent as the user ({@link #sendAsUser}) and the bot's reply in the user's DM, if any. */
    record UserSend(String eventId, Optional<HbMessage> reply) {}

    /**
     * Sends a message as the user in the user's DM with the hosting bridge's bot (the room of {@code dm} proofs,
     * §7.1), and waits up to {@code timeout} for a byob message of the bot there that matches {@code reply}.
     */
    UserSend sendAsUser(String eventType, ObjectNode content, Predicate<HbMessage> reply, Duration timeout);

    /**
     * Sends a message as the visiting bridge's bot in a room that is not the DM but where the hosting bridge's
     * bot is (a room it bridges); returns its event id, or empty (with no side effect) when there is no such
     * room to use.
     */
    Optional<String> sendOutsideDm(String eventType, ObjectNode content);

    /** Why {@link #sendOutsideDm} cannot be used, for the report. */
    String outsideDmUnavailable();

    /** Makes a {@code dm} Matrix proof as the user with this content; returns where it was made. */
    Answer.MatrixEvidence matrixProof(ObjectNode content);

    /** Sends {@code text} to {@code target} on the remote network as {@code who}; returns a description of the sender. */
    String remoteProof(RemoteSender who, String target, String text);

    /** Whether {@link RemoteSender#OTHER_ACCOUNT} is available. */
    boolean hasOtherAccount();

    /** How many hosting-bridge messages have been seen so far: a mark for {@link #await}. */
    int mark();

    /**
     * Waits up to {@code timeout} for a hosting-bridge message, seen from mark {@code from} on, that matches;
     * reads the DM and the other room of {@link #sendOutsideDm}.
     */
    Optional<HbMessage> await(int from, Predicate<HbMessage> wanted, Duration timeout);

}
