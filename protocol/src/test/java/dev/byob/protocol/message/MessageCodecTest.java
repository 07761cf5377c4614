package dev.byob.protocol.message;

import static dev.byob.protocol.JsonEdit.set;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.json.CanonicalJson;
import dev.byob.protocol.message.DecodeException.Code;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class MessageCodecTest {

    static Stream<ByobMessage> samples() {
        return Samples.all().stream();
    }

    @Test
    void samples_allMessageTypes_covered() {
        Set<MessageType> covered = samples().map(ByobMessage::type).collect(Collectors.toSet());
        assertEquals(EnumSet.allOf(MessageType.class), covered);
    }

    @ParameterizedTest
    @MethodSource("samples")
    void decode_encodedRecord_returnsEqualRecord(ByobMessage message) throws Exception {
        assertEquals(message, MessageCodec.decode(message.type().eventType(), MessageCodec.encode(message)));
    }

    @ParameterizedTest
    @MethodSource("samples")
    void decode_encodedRecordThroughCanonicalBytes_returnsEqualRecord(ByobMessage message) throws Exception {
        byte[] wire = CanonicalJson.encode(MessageCodec.encode(message));
        assertEquals(message, MessageCodec.decode(message.type().eventType(), CanonicalJson.parse(wire)));
    }

    @ParameterizedTest
    @MethodSource("samples")
    void encode_anyMessage_carriesVersionAndTxnId(ByobMessage message) {
        ObjectNode content = MessageCodec.encode(message);
        assertEquals(1, content.get("version").intValue());
        assertEquals(message.txnId().value(), content.get("txn_id").textValue());
    }

    @ParameterizedTest
    @MethodSource("samples")
    void signThenVerify_anyMessage_verifiesAndDecodes(ByobMessage message) throws Exception {
        ObjectNode signed = SignedContent.sign(message, Samples.VB_BOT, Samples.VB_KEY);
        assertDoesNotThrow(() -> SignedContent.verify(signed, Samples.VB_BOT, Samples.VB_KEY.verifyKey()));
        assertEquals(message, MessageCodec.decode(message.type().eventType(), signed));
    }

    @Test
    void encode_optionalFieldsAbsent_omitsThem() {
        ObjectNode challenge = MessageCodec.encode(Samples.challenge(false));
        assertFalse(challenge.get("matrix_proof").has("room_id"));
        ObjectNode release = MessageCodec.encode(Samples.release(Optional.empty()));
        assertFalse(release.has("reason"));
        ObjectNode lease = MessageCodec.encode(Samples.lease(List.of(Samples.bareFillIn(1)), false));
        assertEquals(Set.of("fill_seq", "direction", "sent_at"), fieldNames((ObjectNode) lease.get("filled_in").get(0)));
    }

    @Test
    void encode_openIdAnswer_nestsToken() {
        ObjectNode answer = MessageCodec.encode(Samples.answer(Samples.openIdEvidence()));
        assertEquals("home.example", answer.at("/matrix_proof/openid/matrix_server_name").textValue());
        assertFalse(answer.get("matrix_proof").has("event_id"));
    }

    @Test
    void decode_unknownFields_ignored() throws Exception {
        ObjectNode content = MessageCodec.encode(Samples.heartbeat());
        content = set(content, "/com.example.future", TextNode.valueOf("x"));
        content = set(content, "/network/com.example.nested", IntNode.valueOf(7));
        content = set(content, "/unsigned", content.objectNode().put("age", 5));
        assertEquals(Samples.heartbeat(), MessageCodec.decode(MessageType.HEARTBEAT.eventType(), content));
    }

    @Test
    void decode_unknownMethodNames_keptInOrder() throws Exception {
        ObjectNode content = MessageCodec.encode(Samples.request());
        content.putArray("matrix_proof_methods").add("com.example.pigeon").add("dm");
        Request request = (Request) MessageCodec.decode(MessageType.REQUEST.eventType(), content);
        assertEquals(List.of("com.example.pigeon", "dm"), request.matrixProofMethods());
    }

    @ParameterizedTest
    @ValueSource(strings = {"org.matrix.msc3647.bogus", "org.matrix.msc3647.", "org.matrix.msc3647", "m.room.message",
        "ORG.MATRIX.MSC3647.REQUEST", "org.matrix.msc3647.request.extra", ""})
    void fromEventType_notByob_empty(String eventType) {
        assertTrue(MessageType.fromEventType(eventType).isEmpty());
        DecodeException e = assertThrows(DecodeException.class,
                () -> MessageCodec.decode(eventType, MessageCodec.encode(Samples.accept())));
        assertEquals(Code.UNKNOWN_TYPE, e.code());
    }

    @Test
    void fromEventType_null_empty() {
        assertTrue(MessageType.fromEventType(null).isEmpty());
    }

    @Test
    void fromEventType_everyType_roundTrips() {
        for (MessageType type : MessageType.values()) {
            assertEquals(Optional.of(type), MessageType.fromEventType(type.eventType()));
            assertEquals("org.matrix.msc3647." + type.suffix(), type.eventType());
        }
    }

    @Test
    void clientTxnId_anyType_isByobSuffixTxnId() {
        assertEquals("byob.request.hs.7Qm2xK9pLr", MessageType.REQUEST.clientTxnId(new TxnId("hs.7Qm2xK9pLr")));
    }

    @Test
    void sender_signedTypes_areTheVisitingBridgesOwn() {
        Set<MessageType> visiting = EnumSet.noneOf(MessageType.class);
        for (MessageType type : MessageType.values()) {
            if (type.sender() == MessageType.Sender.VISITING) {
                visiting.add(type);
            }
        }
        assertEquals(EnumSet.of(MessageType.REQUEST, MessageType.ANSWER, MessageType.HEARTBEAT, MessageType.RELEASE), visiting);
        assertEquals(MessageType.Sender.EITHER, MessageType.CANCEL.sender());
        assertEquals(MessageType.Sender.USER, MessageType.MATRIX_PROOF.sender());
    }

    @Test
    void records_invalidValues_rejectedOnConstruction() {
        assertThrows(IllegalArgumentException.class, () -> Samples.lease(List.of(Samples.bareFillIn(2), Samples.bareFillIn(2)), false));
        assertThrows(IllegalArgumentException.class, () -> new Accept.LeaseTerms(30_000, 90_000));
        assertThrows(IllegalArgumentException.class, () -> new Heartbeat(Samples.TXN, Samples.USER, Samples.NETWORK, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Cancel(Samples.TXN, CancelCode.USER, "x".repeat(1025)));
        assertThrows(IllegalArgumentException.class, () -> new Request(Samples.TXN, Samples.HB_BOT, Samples.USER,
                Samples.NETWORK, Samples.ACCOUNT, Samples.request().vb(), List.of(), List.of("x")));
    }

    @Test
    void openIdToken_toString_redactsToken() {
        assertFalse(new Answer.OpenIdToken("s3cret", "home.example").toString().contains("s3cret"));
    }

    private static Set<String> fieldNames(ObjectNode node) {
        Set<String> names = new HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
