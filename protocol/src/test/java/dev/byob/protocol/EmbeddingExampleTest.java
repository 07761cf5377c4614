package dev.byob.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.hosting.HostingEngine;
import dev.byob.protocol.hosting.HostingInput;
import dev.byob.protocol.hosting.HostingOutput;
import dev.byob.protocol.hosting.HostingPolicy;
import dev.byob.protocol.hosting.InMemoryFillInLog;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Answer;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.remote.IrcAccountProof;
import dev.byob.protocol.trust.InMemoryTrustStore;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.visiting.VisitingConfig;
import dev.byob.protocol.visiting.VisitingHandshake;
import dev.byob.protocol.visiting.VisitingInput;
import dev.byob.protocol.visiting.VisitingOutput;
import dev.byob.protocol.visiting.VisitingState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The embedding example of the README, compiled and run; and a check that the README shows this very code. */
class EmbeddingExampleTest {

    @Test
    void readmeExample_runsAHandshakeToTrust() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        // README:begin
        UserId hbBot = UserId.parse("@ircbridge:hosting.example");
        UserId vbBot = UserId.parse("@mybridge:home.example");
        UserId alice = UserId.parse("@alice:home.example");
        Network libera = Network.irc("libera");

        // The hosting bridge: what it accepts, where trust is kept, and the sans-IO engine.
        HostingPolicy policy = HostingPolicy.defaults(hbBot, Map.of(libera, "IrcBridgeBot"),
                Map.of(libera, new IrcAccountProof(IrcAccountProof.CaseMapping.RFC1459)), ProofMethods.MATRIX_ALL);
        HostingEngine hb = new HostingEngine(policy, new InMemoryTrustStore(), new InMemoryFillInLog(),
                new SecureRandom(), now);

        // The visiting bridge: alice's own bridge with its signing key.
        SigningKey key = SigningKey.generate(KeyId.ed25519("pi1"), new SecureRandom());
        VisitingHandshake vb = new VisitingHandshake(VisitingConfig.of(new TrustKey(hbBot, alice, libera),
                new RemoteAccount("alice"), vbBot, key, List.of(ProofMethods.MATRIX_DM),
                List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG)), new SecureRandom());

        // The transports: here a queue; in a bridge, the DM, the user's account and IRC.
        VisitingState state = VisitingHandshake.initial();
        Deque<VisitingInput> toVb = new ArrayDeque<>(List.of(new VisitingInput.Start()));
        RoomId dm = RoomId.parse("!dm:home.example");
        while (!toVb.isEmpty()) {
            var step = vb.step(state, toVb.poll(), now);
            state = step.state();
            for (VisitingOutput out : step.outputs()) {
                List<HostingOutput> replies = List.of();
                if (out instanceof VisitingOutput.Send) {            // a message in the DM with the HB bot
                    var send = (VisitingOutput.Send) out;
                    replies = hb.handle(new HostingInput.RoomMessage(dm, true, vbBot, send.type().eventType(),
                            send.content()), now);
                } else if (out instanceof VisitingOutput.MakeMatrixProof) {   // sent as alice, seen by the HB
                    var proof = (VisitingOutput.MakeMatrixProof) out;
                    RoomId aliceDm = RoomId.parse("!alice-and-hb:home.example");
                    EventId proofEvent = EventId.parse("$proof");
                    replies = hb.handle(new HostingInput.MatrixProofSeen(proof.method(), alice, Optional.of(aliceDm),
                            Optional.of(proofEvent), true, false, proof.content()), now);
                    toVb.add(new VisitingInput.MatrixProofMade(new Answer.MatrixEvidence(proof.method(),
                            Optional.of(proofEvent), Optional.of(aliceDm), Optional.empty())));
                } else if (out instanceof VisitingOutput.MakeRemoteProof) {   // PRIVMSG from alice's SASL login
                    var proof = (VisitingOutput.MakeRemoteProof) out;
                    replies = hb.handle(new HostingInput.RemoteMessageSeen(libera, "alice", Optional.of("alice"),
                            proof.text()), now);
                    toVb.add(new VisitingInput.RemoteProofMade());
                }
                for (HostingOutput reply : replies) {
                    if (reply instanceof HostingOutput.Send) {
                        var send = (HostingOutput.Send) reply;
                        toVb.add(new VisitingInput.Received(hbBot, send.type().eventType(), send.content()));
                    }
                }
            }
        }
        System.out.println(hb.relayMode(alice, libera) + " relays for alice; trust: " + hb.trusted(alice, libera));
        // README:end
        assertTrue(state instanceof VisitingState.Trusted, "the visiting bridge ends trusted, not " + state);
        assertEquals(HostingEngine.RelayMode.VISITING, hb.relayMode(alice, libera));
        assertEquals(1, hb.trusted(alice, libera).orElseThrow().epoch());
    }

    @Test
    void readme_showsTheExampleAsCompiledHere() throws IOException {
        String source = Files.readString(Path.of("src/test/java/dev/byob/protocol/EmbeddingExampleTest.java"),
                StandardCharsets.UTF_8);
        String example = source.substring(source.indexOf("// README:begin\n") + "// README:begin\n".length(),
                source.indexOf("        // README:end"));
        String dedented = example.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .collect(Collectors.joining("\n"));
        String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
        assertTrue(readme.contains(dedented), "README.md must show the example exactly as this test compiles it:\n"
                + dedented);
    }
}
