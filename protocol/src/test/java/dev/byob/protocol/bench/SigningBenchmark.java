package dev.byob.protocol.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.crypto.VerifyKey;
import dev.byob.protocol.json.CanonicalJson;
import dev.byob.protocol.json.CanonicalJsonException;
import dev.byob.protocol.message.ByobMessage;
import dev.byob.protocol.message.DecodeException;
import dev.byob.protocol.message.MessageCodec;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.Request;
import dev.byob.protocol.message.SignedContent;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Signing and verifying the messages a visiting bridge signs, and the hosting bridge's whole receive
 * path for them: raw event content bytes to a validated message whose signature has been checked.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class SigningBenchmark {

    /** A signed message type, by its event type suffix. */
    @Param({"request", "answer", "heartbeat", "release", "cancel"})
    public String type;

    ByobMessage message;
    String eventType;
    ObjectNode signed;
    byte[] wire;

    /** Builds and signs the sample message. */
    @Setup
    public void setup() {
        MessageType messageType = Samples.type(type);
        if (!Samples.SIGNED.contains(messageType)) {
            throw new IllegalArgumentException(type + " is not a signed type");
        }
        message = Samples.message(messageType);
        eventType = messageType.eventType();
        signed = SignedContent.sign(message, Samples.VB_BOT, Samples.VB_KEY);
        wire = Samples.wire(signed);
    }

    /** Typed message to signed content: encode, canonicalize, Ed25519 sign. */
    @Benchmark
    public ObjectNode sign() {
        return SignedContent.sign(message, Samples.VB_BOT, Samples.VB_KEY);
    }

    /** Signature check of already parsed content: canonicalize without signatures, Ed25519 verify. */
    @Benchmark
    public JsonNode verify() throws DecodeException {
        SignedContent.verify(signed, Samples.VB_BOT, Samples.VB_KEY.verifyKey());
        return signed;
    }

    /**
     * The receive path: strict parse of the raw bytes, decode with validation, signature check. A
     * request is checked against the key it announces (parsed and validated as part of decoding),
     * every other type against the key already pinned for the sender.
     */
    @Benchmark
    public ByobMessage decodeAndVerify() throws CanonicalJsonException, DecodeException {
        return decodeAndVerify(eventType, wire);
    }

    static ByobMessage decodeAndVerify(String eventType, byte[] wire) throws CanonicalJsonException, DecodeException {
        JsonNode content = CanonicalJson.parse(wire);
        ByobMessage message = MessageCodec.decode(eventType, content);
        VerifyKey key = message instanceof Request r ? r.vb().key() : Samples.VB_KEY.verifyKey();
        SignedContent.verify(content, Samples.VB_BOT, key);
        return message;
    }
}
