package dev.byob.hosting.store;

import static dev.byob.hosting.store.StoreFixtures.HB;
import static dev.byob.hosting.store.StoreFixtures.LIBERA;

import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.VisitingBridgeId;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.trust.TrustRecord;
import dev.byob.protocol.trust.TrustStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Random;

/**
 * The child process of {@link TrustStoreCrashTest}: establishes trust records over a few keys in a
 * loop until it is killed, printing {@code committed <key> <epoch>} after each establish returned.
 *
 * <p>Arguments: the SQLite file, the number of keys, a random seed.
 */
public final class EstablishLoop {
    private EstablishLoop() {}

    /** The key numbered {@code k}. */
    static TrustKey key(int k) {
        return new TrustKey(HB, new UserId("@user" + k + ":home.example"), LIBERA);
    }

    public static void main(String[] args) {
        Path file = Path.of(args[0]);
        int keys = Integer.parseInt(args[1]);
        Random random = new Random(Long.parseLong(args[2]));
        // Keys first: deriving the first one takes a while, and the kills should land among the writes.
        List<VisitingBridgeId> vbs = List.of(StoreFixtures.vb("vb0", 1), StoreFixtures.vb("vb1", 2),
                StoreFixtures.vb("vb2", 3));
        try (Database database = Database.open(new DatabaseConfig.Sqlite(file))) {
            TrustStore store = new SqlTrustStore(database);
            System.out.println("open");
            System.out.flush();
            for (int n = 0; ; n++) {
                int k = random.nextInt(keys);
                VisitingBridgeId vb = vbs.get(random.nextInt(vbs.size()));
                TrustRecord record = store.establish(StoreFixtures.candidate(key(k), vb, n), Instant.now()).record();
                System.out.println("committed " + k + " " + record.epoch());
                System.out.flush();
                if (System.out.checkError()) {
                    return; // the test is gone: do not write forever
                }
            }
        }
    }
}
