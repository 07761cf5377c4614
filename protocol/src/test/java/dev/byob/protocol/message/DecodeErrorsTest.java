package dev.byob.protocol.message;

import static dev.byob.protocol.JsonEdit.remove;
import static dev.byob.protocol.JsonEdit.set;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.byob.protocol.message.DecodeException.Code;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every {@link DecodeException.Code} the codec and signature check produce, with its pointer. */
class DecodeErrorsTest {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final ObjectNode REQUEST = Samples.content(Samples.request());
    private static final ObjectNode CHALLENGE = Samples.content(Samples.challenge(false));
    private static final ObjectNode ANSWER = Samples.content(Samples.answer(Samples.dmEvidence()));
    private static final ObjectNode ACCEPT = Samples.content(Samples.accept());
    private static final ObjectNode HEARTBEAT = Samples.content(Samples.heartbeat());
    private static final ObjectNode LEASE =
            Samples.content(Samples.lease(List.of(Samples.bareFillIn(3), Samples.fullFillIn(4)), false));
    private static final ObjectNode RELEASE = Samples.content(Samples.release(Optional.of("bye")));

    private static DecodeException decodeError(MessageType type, JsonNode content) {
        return decodeError(type.eventType(), content);
    }

    private static DecodeException decodeError(String eventType, JsonNode content) {
        return assertThrows(DecodeException.class, () -> MessageCodec.decode(eventType, content));
    }

    private static void assertError(Code code, String pointer, DecodeException e) {
        assertAll(() -> assertEquals(code, e.code(), e.getMessage()), () -> assertEquals(pointer, e.pointer()));
    }

    private static ArrayNode strings(String... values) {
        ArrayNode array = NODES.arrayNode();
        for (String v : values) {
            array.add(v);
        }
        return array;
    }

    @Test
    void decode_contentNotAnObject_malformedJsonAtRoot() {
        assertError(Code.MALFORMED_JSON, "", decodeError(MessageType.REQUEST, NODES.arrayNode()));
        assertError(Code.MALFORMED_JSON, "", decodeError(MessageType.CANCEL, TextNode.valueOf("{}")));
        assertError(Code.MALFORMED_JSON, "", decodeError(MessageType.CANCEL, null));
    }

    @Test
    void decode_unknownEventType_unknownTypeAtRoot() {
        assertError(Code.UNKNOWN_TYPE, "", decodeError("org.matrix.msc3647.bogus", REQUEST));
        assertError(Code.UNKNOWN_TYPE, "", decodeError("m.room.message", REQUEST));
        assertError(Code.UNKNOWN_TYPE, "", decodeError((String) null, REQUEST));
    }

    @Test
    void decode_otherVersion_unsupportedVersion() {
        for (long version : new long[] {0, 2, -1, Limits.MAX_SAFE_INTEGER}) {
            assertError(Code.UNSUPPORTED_VERSION, "/version",
                    decodeError(MessageType.HEARTBEAT, set(HEARTBEAT, "/version", LongNode.valueOf(version))));
        }
    }

    @Test
    void decode_requiredFieldAbsentOrNull_missingFieldAtField() {
        assertError(Code.MISSING_FIELD, "/version", decodeError(MessageType.ACCEPT, remove(ACCEPT, "/version")));
        assertError(Code.MISSING_FIELD, "/txn_id", decodeError(MessageType.ACCEPT, remove(ACCEPT, "/txn_id")));
        assertError(Code.MISSING_FIELD, "/network/id", decodeError(MessageType.REQUEST, remove(REQUEST, "/network/id")));
        assertError(Code.MISSING_FIELD, "/vb/key/public_key",
                decodeError(MessageType.REQUEST, remove(REQUEST, "/vb/key/public_key")));
        assertError(Code.MISSING_FIELD, "/matrix_proof/nonce",
                decodeError(MessageType.CHALLENGE, remove(CHALLENGE, "/matrix_proof/nonce")));
        assertError(Code.MISSING_FIELD, "/lease/heartbeat_interval_ms",
                decodeError(MessageType.ACCEPT, remove(ACCEPT, "/lease/heartbeat_interval_ms")));
        assertError(Code.MISSING_FIELD, "/filled_in/1/sent_at",
                decodeError(MessageType.LEASE, remove(LEASE, "/filled_in/1/sent_at")));
        assertError(Code.MISSING_FIELD, "/hb_bot", decodeError(MessageType.REQUEST, set(REQUEST, "/hb_bot", NullNode.instance)));
    }

    @Test
    void decode_everyRequiredRequestField_missingFieldAtIt() {
        for (String field : List.of("version", "txn_id", "hb_bot", "user_id", "network", "remote_account", "vb",
                "matrix_proof_methods", "remote_proof_methods")) {
            assertError(Code.MISSING_FIELD, "/" + field, decodeError(MessageType.REQUEST, remove(REQUEST, "/" + field)));
        }
    }

    @Test
    void decode_wrongJsonType_wrongTypeAtField() {
        assertError(Code.WRONG_TYPE, "/version", decodeError(MessageType.ACCEPT, set(ACCEPT, "/version", TextNode.valueOf("1"))));
        assertError(Code.WRONG_TYPE, "/epoch", decodeError(MessageType.ACCEPT, set(ACCEPT, "/epoch", TextNode.valueOf("3"))));
        assertError(Code.WRONG_TYPE, "/epoch", decodeError(MessageType.ACCEPT, set(ACCEPT, "/epoch", DoubleNode.valueOf(3.5))));
        assertError(Code.WRONG_TYPE, "/epoch", decodeError(MessageType.ACCEPT, set(ACCEPT, "/epoch", DoubleNode.valueOf(3.0))));
        assertError(Code.WRONG_TYPE, "/network", decodeError(MessageType.HEARTBEAT, set(HEARTBEAT, "/network", NODES.arrayNode())));
        assertError(Code.WRONG_TYPE, "/user_id", decodeError(MessageType.HEARTBEAT, set(HEARTBEAT, "/user_id", NODES.objectNode())));
        assertError(Code.WRONG_TYPE, "/more", decodeError(MessageType.LEASE, set(LEASE, "/more", IntNode.valueOf(0))));
        assertError(Code.WRONG_TYPE, "/filled_in/0", decodeError(MessageType.LEASE, set(LEASE, "/filled_in/0", TextNode.valueOf("x"))));
        assertError(Code.WRONG_TYPE, "/matrix_proof_methods",
                decodeError(MessageType.REQUEST, set(REQUEST, "/matrix_proof_methods", TextNode.valueOf("dm"))));
        assertError(Code.WRONG_TYPE, "/matrix_proof_methods/1",
                decodeError(MessageType.REQUEST, set(REQUEST, "/matrix_proof_methods/1", IntNode.valueOf(1))));
    }

    @Test
    void decode_floatInUnknownField_wrongTypeAtIt() {
        // A float has no canonical form, so content carrying one cannot be signed or verified at all.
        assertError(Code.WRONG_TYPE, "/com.example.ratio",
                decodeError(MessageType.ACCEPT, set(ACCEPT, "/com.example.ratio", DoubleNode.valueOf(0.5))));
    }

    @Test
    void decode_valueOutsideRange_outOfRangeAtField() {
        assertError(Code.OUT_OF_RANGE, "/epoch", decodeError(MessageType.HEARTBEAT, set(HEARTBEAT, "/epoch", IntNode.valueOf(-1))));
        assertError(Code.OUT_OF_RANGE, "/epoch", decodeError(MessageType.HEARTBEAT, set(HEARTBEAT, "/epoch", IntNode.valueOf(0))));
        assertError(Code.OUT_OF_RANGE, "/seq", decodeError(MessageType.HEARTBEAT, set(HEARTBEAT, "/seq", IntNode.valueOf(0))));
        assertError(Code.OUT_OF_RANGE, "/fill_ack", decodeError(MessageType.HEARTBEAT, set(HEARTBEAT, "/fill_ack", IntNode.valueOf(-1))));
        assertError(Code.OUT_OF_RANGE, "/epoch",
                decodeError(MessageType.HEARTBEAT, set(HEARTBEAT, "/epoch", LongNode.valueOf(Limits.MAX_SAFE_INTEGER + 1))));
        assertError(Code.OUT_OF_RANGE, "/expires_at",
                decodeError(MessageType.CHALLENGE, set(CHALLENGE, "/expires_at", IntNode.valueOf(-1))));
        assertError(Code.OUT_OF_RANGE, "/lease/lease_ms", decodeError(MessageType.ACCEPT, set(ACCEPT, "/lease/lease_ms", IntNode.valueOf(0))));
        assertError(Code.OUT_OF_RANGE, "/matrix_proof_methods", decodeError(MessageType.REQUEST,
                set(REQUEST, "/matrix_proof_methods", strings("a", "b", "c", "d", "e", "f", "g", "h", "i"))));
        assertError(Code.OUT_OF_RANGE, "/reason", decodeError(MessageType.RELEASE,
                set(RELEASE, "/reason", TextNode.valueOf("x".repeat(Limits.MAX_REASON + 1)))));
        ArrayNode tooMany = NODES.arrayNode();
        for (int i = 1; i <= Lease.MAX_FILLED_IN + 1; i++) {
            tooMany.add(Samples.content(Samples.lease(List.of(Samples.bareFillIn(i)), false)).get("filled_in").get(0));
        }
        assertError(Code.OUT_OF_RANGE, "/filled_in", decodeError(MessageType.LEASE, set(LEASE, "/filled_in", tooMany)));
    }

    @Test
    void decode_stringNotMatchingItsGrammar_invalidFormatAtField() {
        assertError(Code.INVALID_FORMAT, "/user_id",
                decodeError(MessageType.HEARTBEAT, set(HEARTBEAT, "/user_id", TextNode.valueOf("alice:home.example"))));
        assertError(Code.INVALID_FORMAT, "/txn_id", decodeError(MessageType.HEARTBEAT, set(HEARTBEAT, "/txn_id", TextNode.valueOf("short"))));
        assertError(Code.INVALID_FORMAT, "/matrix_proof/nonce",
                decodeError(MessageType.CHALLENGE, set(CHALLENGE, "/matrix_proof/nonce", TextNode.valueOf("too-short"))));
        assertError(Code.INVALID_FORMAT, "/vb/key/key_id",
                decodeError(MessageType.REQUEST, set(REQUEST, "/vb/key/key_id", TextNode.valueOf("rsa:1"))));
        assertError(Code.INVALID_FORMAT, "/vb/key/public_key",
                decodeError(MessageType.REQUEST, set(REQUEST, "/vb/key/public_key", TextNode.valueOf("not base64!"))));
        assertError(Code.INVALID_FORMAT, "/matrix_proof_methods/1",
                decodeError(MessageType.REQUEST, set(REQUEST, "/matrix_proof_methods", strings("dm", "dm"))));
        assertError(Code.INVALID_FORMAT, "/filled_in/0/direction",
                decodeError(MessageType.LEASE, set(LEASE, "/filled_in/0/direction", TextNode.valueOf("sideways"))));
    }

    @Test
    void decode_badNetworkPart_invalidFormatAtThatPart() {
        assertError(Code.INVALID_FORMAT, "/network/protocol",
                decodeError(MessageType.HEARTBEAT, set(HEARTBEAT, "/network/protocol", TextNode.valueOf("IRC"))));
        assertError(Code.INVALID_FORMAT, "/network/id",
                decodeError(MessageType.HEARTBEAT, set(HEARTBEAT, "/network/id", TextNode.valueOf("irc example"))));
    }

    @Test
    void decode_badNonceDigest_invalidFormatAtDigest() {
        assertError(Code.INVALID_FORMAT, "/matrix_nonce_sha256",
                decodeError(MessageType.ANSWER, set(ANSWER, "/matrix_nonce_sha256", TextNode.valueOf("abc"))));
        assertError(Code.INVALID_FORMAT, "/remote_nonce_sha256",
                decodeError(MessageType.ANSWER, set(ANSWER, "/remote_nonce_sha256", TextNode.valueOf("!".repeat(43)))));
    }

    @Test
    void decode_fillSeqNotAscending_invalidFormatAtLaterEntry() {
        assertError(Code.INVALID_FORMAT, "/filled_in/1/fill_seq",
                decodeError(MessageType.LEASE, set(LEASE, "/filled_in/1/fill_seq", IntNode.valueOf(3))));
    }

    @Test
    void decode_heartbeatIntervalOverLease_outOfRangeAtTheInterval() {
        assertError(Code.OUT_OF_RANGE, "/lease/heartbeat_interval_ms",
                decodeError(MessageType.ACCEPT, set(ACCEPT, "/lease/heartbeat_interval_ms", IntNode.valueOf(90_001))));
    }

    @Test
    void decode_contentOver65536CanonicalBytes_tooLargeAtRoot() {
        ObjectNode big = set(RELEASE, "/com.example.padding", TextNode.valueOf("x".repeat(Limits.MAX_CONTENT_BYTES)));
        assertError(Code.TOO_LARGE, "", decodeError(MessageType.RELEASE, big));
    }

    @Test
    void decode_contentOfExactlyTheLimit_accepted() throws Exception {
        int size = MessageCodec.checkSize(set(RELEASE, "/p", TextNode.valueOf(""))).length;
        ObjectNode exact = set(RELEASE, "/p", TextNode.valueOf("x".repeat(Limits.MAX_CONTENT_BYTES - size)));
        assertEquals(Limits.MAX_CONTENT_BYTES, MessageCodec.checkSize(exact).length);
        assertEquals(Samples.release(Optional.of("bye")), MessageCodec.decode(MessageType.RELEASE.eventType(), exact));
    }

    @Test
    void verify_signatureMissingTamperedOrByOtherKey_badSignatureAtSignatures() {
        ObjectNode signed = SignedContent.sign(Samples.request(), Samples.VB_BOT, Samples.VB_KEY);
        List<ObjectNode> bad = List.of(
                remove(signed, "/signatures"),
                set(signed, "/remote_account", TextNode.valueOf("mallory")),
                SignedContent.sign(Samples.request(), Samples.VB_BOT, Samples.OTHER_KEY),
                SignedContent.sign(Samples.request(), new dev.byob.protocol.id.UserId("@other:vb.example"), Samples.VB_KEY),
                set(signed, "/signatures/@byob:vb.example/ed25519:1", TextNode.valueOf("AAAA")));
        for (ObjectNode content : bad) {
            DecodeException e = assertThrows(DecodeException.class,
                    () -> SignedContent.verify(content, Samples.VB_BOT, Samples.VB_KEY.verifyKey()));
            assertError(Code.BAD_SIGNATURE, "/signatures", e);
        }
    }

    @Test
    void verify_contentNotAnObject_malformedJson() {
        DecodeException e = assertThrows(DecodeException.class,
                () -> SignedContent.verify(NODES.arrayNode(), Samples.VB_BOT, Samples.VB_KEY.verifyKey()));
        assertError(Code.MALFORMED_JSON, "", e);
    }
}
