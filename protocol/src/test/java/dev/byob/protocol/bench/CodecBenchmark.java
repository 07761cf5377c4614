package dev.byob.protocol.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.json.CanonicalJson;
import dev.byob.protocol.json.CanonicalJsonException;
import dev.byob.protocol.message.ByobMessage;
import dev.byob.protocol.message.DecodeException;
import dev.byob.protocol.message.MessageCodec;
import dev.byob.protocol.message.MessageType;
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
 * Encoding and decoding of every message type, unsigned: typed message to JSON tree, tree to
 * canonical bytes, bytes to tree (strict parse), and tree or bytes to a validated typed message.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class CodecBenchmark {

    /** The message type, by its event type suffix. */
    @Param({"request", "challenge", "matrix_proof", "answer", "accept",
            "cancel", "heartbeat", "lease", "release", "revoked"})
    public String type;

    ByobMessage message;
    String eventType;
    ObjectNode content;
    byte[] wire;

    /** Builds the sample message and its encodings. */
    @Setup
    public void setup() {
        MessageType messageType = Samples.type(type);
        message = Samples.message(messageType);
        eventType = messageType.eventType();
        content = MessageCodec.encode(message);
        wire = Samples.wire(content);
    }

    /** Typed message to JSON tree. */
    @Benchmark
    public ObjectNode encode() {
        return MessageCodec.encode(message);
    }

    /** JSON tree to Matrix canonical JSON bytes: what is signed, hashed and size-checked. */
    @Benchmark
    public byte[] canonicalize() throws CanonicalJsonException {
        return CanonicalJson.encode(content);
    }

    /** Raw UTF-8 bytes to a JSON tree with the strict parser. */
    @Benchmark
    public JsonNode parse() throws CanonicalJsonException {
        return CanonicalJson.parse(wire);
    }

    /** JSON tree to a typed message, validating every field and the size limit. */
    @Benchmark
    public ByobMessage decode() throws DecodeException {
        return MessageCodec.decode(eventType, content);
    }

    /** Raw bytes to a validated typed message: strict parse, then decode. */
    @Benchmark
    public ByobMessage parseAndDecode() throws CanonicalJsonException, DecodeException {
        return MessageCodec.decode(eventType, CanonicalJson.parse(wire));
    }
}
