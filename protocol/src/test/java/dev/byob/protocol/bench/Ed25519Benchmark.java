package dev.byob.protocol.bench;

import dev.byob.protocol.crypto.JsonSigning;
import dev.byob.protocol.crypto.SignatureVerificationException;
import dev.byob.protocol.crypto.VerifyKey;
import dev.byob.protocol.json.CanonicalJsonException;
import dev.byob.protocol.message.MessageCodec;
import dev.byob.protocol.message.MessageType;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The floor under every signed operation: Ed25519 alone (Bouncy Castle) over a heartbeat's signing
 * bytes, and the public key validation a request's announced key goes through.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class Ed25519Benchmark {

    byte[] bytes;
    byte[] signature;
    VerifyKey verifyKey;
    String publicKeyBase64;

    /** Computes the bytes and signs them. */
    @Setup
    public void setup() throws CanonicalJsonException {
        bytes = JsonSigning.signingBytes(MessageCodec.encode(Samples.message(MessageType.HEARTBEAT)));
        signature = Samples.VB_KEY.sign(bytes);
        verifyKey = Samples.VB_KEY.verifyKey();
        publicKeyBase64 = verifyKey.publicKeyBase64();
    }

    /** Ed25519 signature over the bytes. */
    @Benchmark
    public byte[] sign() {
        return Samples.VB_KEY.sign(bytes);
    }

    /** Ed25519 verification of the bytes. */
    @Benchmark
    public byte[] verify() throws SignatureVerificationException {
        verifyKey.verify(bytes, signature);
        return signature;
    }

    /** A public key from base64 with full point validation, as decoding a request does. */
    @Benchmark
    public VerifyKey parseKey() {
        return VerifyKey.fromBase64(verifyKey.keyId(), publicKeyBase64);
    }
}
