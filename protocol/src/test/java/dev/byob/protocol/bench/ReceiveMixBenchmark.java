package dev.byob.protocol.bench;

import dev.byob.protocol.json.CanonicalJsonException;
import dev.byob.protocol.message.ByobMessage;
import dev.byob.protocol.message.DecodeException;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.SignedContent;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The hosting bridge's receive path (raw bytes to a decoded message with a checked signature) over
 * signed request, answer and heartbeat in turn, one message per operation: decoded-and-verified
 * messages per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class ReceiveMixBenchmark {

    String[] eventTypes;
    byte[][] wires;
    int next;

    /** Signs the three messages. */
    @Setup
    public void setup() {
        MessageType[] types = {MessageType.REQUEST, MessageType.ANSWER, MessageType.HEARTBEAT};
        eventTypes = new String[types.length];
        wires = new byte[types.length][];
        for (int i = 0; i < types.length; i++) {
            eventTypes[i] = types[i].eventType();
            wires[i] = Samples.wire(SignedContent.sign(Samples.message(types[i]), Samples.VB_BOT, Samples.VB_KEY));
        }
    }

    /** One message of the rotation through the receive path. */
    @Benchmark
    public ByobMessage decodeAndVerify() throws CanonicalJsonException, DecodeException {
        int i = next;
        next = i + 1 == wires.length ? 0 : i + 1;
        return SigningBenchmark.decodeAndVerify(eventTypes[i], wires[i]);
    }
}
