package dev.byob.protocol.bench;

import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.hosting.HostingEngine;
import dev.byob.protocol.hosting.HostingInput;
import dev.byob.protocol.hosting.HostingOutput;
import dev.byob.protocol.hosting.HostingPolicy;
import dev.byob.protocol.hosting.InMemoryFillInLog;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.message.VisitingBridgeId;
import dev.byob.protocol.remote.IrcAccountProof;
import dev.byob.protocol.trust.InMemoryTrustStore;
import dev.byob.protocol.trust.TrustCandidate;
import dev.byob.protocol.trust.TrustKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The hosting bridge's per-message decision with 100 000 trust records in force: who relays a user's
 * message, and which record an IRC account belongs to. This is what runs for every event a homeserver
 * pushes and every line the IRC bot sees.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HostingDecisionBenchmark {
    static final int RECORDS = 100_000;
    static final Network NETWORK = Network.irc("libera");
    static final UserId HB = UserId.parse("@hb:hosting.example");
    static final RoomId ROOM = RoomId.parse("!room:hosting.example");

    HostingEngine engine;
    Instant now;
    long counter;

    @Setup
    public void setUp() {
        byte[] seed = new byte[32];
        Arrays.fill(seed, (byte) 9);
        VisitingBridgeId vb = new VisitingBridgeId(UserId.parse("@vb:home.example"),
                SigningKey.fromSeed(KeyId.ed25519("1"), seed).verifyKey());
        InMemoryTrustStore store = new InMemoryTrustStore();
        now = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < RECORDS; i++) {
            store.establish(new TrustCandidate(new TrustKey(HB, UserId.parse("@linked" + i + ":home.example"), NETWORK),
                    new RemoteAccount("linked" + i), vb, ProofMethods.MATRIX_DM, ProofMethods.IRC_ACCOUNT_PRIVMSG,
                    new TxnId("txn-" + i + "-bench")), now);
        }
        HostingPolicy policy = HostingPolicy.defaults(HB, Map.of(NETWORK, "HBBot"),
                Map.of(NETWORK, new IrcAccountProof(IrcAccountProof.CaseMapping.RFC1459)), ProofMethods.MATRIX_ALL);
        engine = new HostingEngine(policy, store, new InMemoryFillInLog(), new Random(1), now);
    }

    /** A message of a user without trust: the hosting bridge relays it. */
    @Benchmark
    public List<HostingOutput> messageOfUnlinkedUser() {
        return engine.handle(new HostingInput.UserMessageSeen(UserId.parse("@plain" + (counter++ % 1000) + ":home.example"),
                NETWORK, Lease.Direction.TO_REMOTE, "$e" + counter, ROOM), now);
    }

    /** A message of a linked user, then the visiting bridge's relay of it observed: nothing for the HB to do. */
    @Benchmark
    public List<HostingOutput> messageOfLinkedUserAndItsRelay() {
        long n = counter++;
        String id = "$l" + n;
        engine.handle(new HostingInput.UserMessageSeen(UserId.parse("@linked" + (n % RECORDS) + ":home.example"),
                NETWORK, Lease.Direction.TO_REMOTE, id, ROOM), now);
        return engine.handle(new HostingInput.RelaySeen(NETWORK, Lease.Direction.TO_REMOTE, id,
                "linked" + (n % RECORDS)), now);
    }

    /** A linked user's message as an embedder handles it: the decision, then when to wake next. */
    @Benchmark
    public Object messageOfLinkedUserThenDeadline() {
        long n = counter++;
        engine.handle(new HostingInput.UserMessageSeen(UserId.parse("@linked" + (n % RECORDS) + ":home.example"),
                NETWORK, Lease.Direction.TO_REMOTE, "$d" + n, ROOM), now);
        engine.handle(new HostingInput.RelaySeen(NETWORK, Lease.Direction.TO_REMOTE, "$d" + n,
                "linked" + (n % RECORDS)), now);
        return engine.deadline();
    }

    /** The record behind an account the IRC network reported for a line. */
    @Benchmark
    public Object recordOfAccount() {
        return engine.trustedByAccount(NETWORK, "LINKED" + (counter++ % RECORDS));
    }
}
