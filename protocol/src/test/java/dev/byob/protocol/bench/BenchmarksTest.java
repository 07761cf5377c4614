package dev.byob.protocol.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.byob.protocol.json.CanonicalJson;
import dev.byob.protocol.message.MessageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Runs each benchmark body once, so the benchmarks keep working without running JMH. */
class BenchmarksTest {

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void codecBenchmarksRoundTrip(MessageType type) throws Exception {
        CodecBenchmark b = new CodecBenchmark();
        b.type = type.suffix();
        b.setup();
        assertEquals(b.content, b.encode());
        // The parser reads small integers as int nodes where encode puts longs: compare canonical bytes.
        assertArrayEquals(CanonicalJson.encode(b.content), CanonicalJson.encode(b.parse()));
        assertArrayEquals(CanonicalJson.encode(b.content), b.canonicalize());
        assertEquals(b.message, b.decode());
        assertEquals(b.message, b.parseAndDecode());
    }

    @Test
    void signingBenchmarksVerifyWhatTheySign() throws Exception {
        for (MessageType type : Samples.SIGNED) {
            SigningBenchmark b = new SigningBenchmark();
            b.type = type.suffix();
            b.setup();
            assertEquals(b.signed, b.sign());
            assertNotNull(b.verify());
            assertEquals(b.message, b.decodeAndVerify());
        }
    }

    @Test
    void receiveMixCyclesThroughItsMessages() throws Exception {
        ReceiveMixBenchmark b = new ReceiveMixBenchmark();
        b.setup();
        assertEquals(MessageType.REQUEST, b.decodeAndVerify().type());
        assertEquals(MessageType.ANSWER, b.decodeAndVerify().type());
        assertEquals(MessageType.HEARTBEAT, b.decodeAndVerify().type());
        assertEquals(MessageType.REQUEST, b.decodeAndVerify().type());
    }

    @Test
    void ed25519BenchmarksAgree() throws Exception {
        Ed25519Benchmark b = new Ed25519Benchmark();
        b.setup();
        assertArrayEquals(b.signature, b.sign());
        assertNotNull(b.verify());
        assertEquals(b.verifyKey, b.parseKey());
    }

    @Test
    void hostingDecisionsDoWhatTheyMeasure() {
        HostingDecisionBenchmark b = new HostingDecisionBenchmark();
        b.setUp();
        assertEquals(1, b.messageOfUnlinkedUser().size(), "an unlinked user's message is relayed by the HB");
        assertEquals(0, b.messageOfLinkedUserAndItsRelay().size(), "a linked user's relayed message needs nothing");
        assertNotNull(b.recordOfAccount());
        assertEquals(true, ((java.util.Optional<?>) b.recordOfAccount()).isPresent(), "found despite the case");
    }
}
