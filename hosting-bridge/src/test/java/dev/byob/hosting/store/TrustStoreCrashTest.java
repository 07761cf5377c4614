package dev.byob.hosting.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.protocol.message.RevokeCode;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.trust.TrustRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code kill -9} at any point leaves every trust record complete or absent (specification §10.6):
 * a child JVM establishes records in a loop and is killed at random moments, and after each kill the
 * database is reopened and checked.
 */
class TrustStoreCrashTest {
    private static final int ROUNDS = 6;
    private static final int KEYS = 3;
    private static final Pattern COMMITTED = Pattern.compile("committed (\\d+) (\\d+)");

    @TempDir
    Path folder;

    @Test
    void establish_killedAtRandomPoints_recordsCompleteEpochsContiguousOneInForce() throws Exception {
        Path file = folder.resolve("crash.sqlite3");
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        Map<Integer, Long> committed = new HashMap<>();
        int establishes = 0;

        for (int round = 0; round < ROUNDS; round++) {
            String where = "round " + round + " of seed " + seed + " (child's log: " + folder + ")";
            List<String> lines = runAndKill(file, random, round, where);
            for (String line : lines) {
                Matcher m = COMMITTED.matcher(line);
                // A line cut short by the kill reads as a smaller epoch: still one that must be there.
                if (m.matches()) {
                    committed.merge(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)), Math::max);
                    establishes++;
                }
            }
            check(file, committed, where);
        }

        assertTrue(establishes > 0, "the child was never killed after an establish; seed " + seed);
    }

    /** Starts the loop, kills it at a random moment, and returns what it printed. */
    private List<String> runAndKill(Path file, Random random, int round, String where) throws Exception {
        Path log = folder.resolve("child-" + round + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Surefire runs tests from a manifest-only jar; this property has the real class path.
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process child = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "-cp", classPath, EstablishLoop.class.getName(), file.toString(), String.valueOf(KEYS),
                String.valueOf(random.nextLong()))
                .redirectError(log.toFile())
                .start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the pipe closes when the child dies
            }
        });
        reader.start();
        try {
            if (round % 3 == 0) {
                // Any moment from the start: while the JVM starts, the schema migrates, or records are written.
                Thread.sleep(random.nextInt(900));
            } else {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!lines.contains("open") && child.isAlive() && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                Thread.sleep(random.nextInt(250));
            }
            assertTrue(child.isAlive(), "the child ended by itself: " + where + "\n" + Files.readString(log));
        } finally {
            child.destroyForcibly();
        }
        assertTrue(child.waitFor(20, TimeUnit.SECONDS), "the child survived the kill: " + where);
        reader.join(TimeUnit.SECONDS.toMillis(20));
        return new ArrayList<>(lines);
    }

    /** Every record complete, epochs 1..last without gaps, the last one alone in force, nothing committed lost. */
    private static void check(Path file, Map<Integer, Long> committed, String where) {
        try (Database database = Database.open(new DatabaseConfig.Sqlite(file))) {
            assertEquals(List.of("ok"), DatabaseContract.strings(database, "PRAGMA integrity_check"), where);
            SqlTrustStore store = new SqlTrustStore(database);
            long records = 0;
            for (int k = 0; k < KEYS; k++) {
                TrustKey key = EstablishLoop.key(k);
                long last = lastEpoch(database, key);
                assertTrue(last >= committed.getOrDefault(k, 0L),
                        "key " + k + ": committed epoch " + committed.get(k) + " lost, last is " + last + "; " + where);
                for (long epoch = 1; epoch <= last; epoch++) {
                    // Reading parses every column: a record with a missing or broken field fails here.
                    String what = "key " + k + " epoch " + epoch + " of " + last + "; " + where;
                    TrustRecord record = store.find(key, epoch).orElseThrow(
                            () -> new AssertionError("no record at an epoch handed out: " + what));
                    Optional<RevokeCode> expected = epoch < last ? Optional.of(RevokeCode.SUPERSEDED) : Optional.empty();
                    assertEquals(expected, record.ended().map(TrustRecord.Ending::code), what);
                }
                records += last;
            }
            assertEquals(List.of(String.valueOf(records)),
                    DatabaseContract.strings(database, "SELECT COUNT(*) FROM trust_record"), "no epoch twice; " + where);
            long inForce = store.all().stream().filter(TrustRecord::active).count();
            assertEquals(store.all().size(), inForce, "one record in force per key; " + where);
        }
    }

    private static long lastEpoch(Database database, TrustKey key) {
        return database.transaction(c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT last_epoch FROM trust_key WHERE " + KeyColumns.MATCH)) {
                KeyColumns.bind(s, 1, key);
                try (ResultSet row = s.executeQuery()) {
                    return row.next() ? row.getLong(1) : 0L;
                }
            }
        });
    }
}
