package dev.byob.it.bench;

import dev.byob.hosting.store.Database;
import dev.byob.hosting.store.DatabaseConfig;
import dev.byob.hosting.store.SqlTrustStore;
import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.message.VisitingBridgeId;
import dev.byob.protocol.trust.TrustCandidate;
import dev.byob.protocol.trust.TrustKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;

/**
 * Establishes {@code HostingBridgeLoad}'s trust records in a bridge's SQLite database through its {@link SqlTrustStore}.
 * Run with the bridge build's own jar first on the class path, so that the database gets the schema that build
 * knows (a newer one refuses an older build); it uses only store and protocol API every build has.
 *
 * <p>Arguments: database file, number of records, the bridge bot's user id, the server name, the network id.
 */
public final class TrustLoad {
    private TrustLoad() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int records = Integer.parseInt(args[1]);
        UserId hbBot = UserId.parse(args[2]);
        String server = args[3];
        Network network = Network.irc(args[4]);
        Files.createDirectories(file.toAbsolutePath().getParent());
        byte[] seed = new byte[32];
        Arrays.fill(seed, (byte) 7);
        VisitingBridgeId vb = new VisitingBridgeId(UserId.parse("@loadvb:" + server),
                SigningKey.fromSeed(KeyId.ed25519("load"), seed).verifyKey());
        Instant now = Instant.now();
        try (Database database = Database.open(new DatabaseConfig.Sqlite(file))) {
            SqlTrustStore store = new SqlTrustStore(database);
            database.transaction(c -> {
                for (int i = 0; i < records; i++) {
                    store.establish(new TrustCandidate(new TrustKey(hbBot, UserId.parse("@loadlinked" + i + ":" + server),
                            network), new RemoteAccount("loadlinked" + i), vb, ProofMethods.MATRIX_DM,
                            ProofMethods.IRC_ACCOUNT_PRIVMSG, new TxnId("load-trust-" + i)), now);
                }
                return null;
            });
        }
    }
}
