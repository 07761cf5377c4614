package dev.byob.visiting.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.kit.irc.Formatting;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.message.Lease;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process writing to the store is killed with SIGKILL in the middle of its writes: everything it reported
 * committed is there after reopening, in the state reported (or a later one), and the database is intact.
 */
class StateStoreCrashTest {
    @TempDir
    Path dir;

    /** The writer: each message observed, sent and done, one commit each; prints each step once it returns. */
    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (StateStore store = StateStore.open(Path.of(args[0]))) {
            RelayLog log = store.relays();
            RoomId room = RoomId.parse("!room:example.org");
            for (int i = 0; ; i++) {
                String id = "m" + i;
                Instant now = Instant.now();
                log.observed(Lease.Direction.TO_MATRIX, id, room,
                        new Formatting.Message(Formatting.Kind.TEXT, "line " + i), now, true);
                out.println(id + " OBSERVED");
                log.sending(Lease.Direction.TO_MATRIX, id, now);
                out.println(id + " SENDING");
                log.done(Lease.Direction.TO_MATRIX, id, "$e" + i, now);
                out.println(id + " DONE");
                store.nextBatch("user", "s" + i);
                out.println(id + " TOKEN");
            }
        }
    }

    @Test
    void killMinus9_duringWrites_losesNothingReported() throws Exception {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(javaBin.toString(), "-cp", System.getProperty("java.class.path"),
                StateStoreCrashTest.class.getName(), dir.toString()).redirectError(dir.resolve("writer.err").toFile()).start();
        Map<String, String> reported = new LinkedHashMap<>();
        String lastToken = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] parts = line.split(" ");
                if ("TOKEN".equals(parts[1])) {
                    lastToken = "s" + parts[0].substring(1);
                } else {
                    reported.put(parts[0], parts[1]);
                }
                if (reported.size() >= 150) {
                    p.destroyForcibly(); // SIGKILL: no shutdown hook, no close
                    break;
                }
            }
        } finally {
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the writer did not die");
        }
        assertTrue(reported.size() >= 150, "the writer stopped early: " + java.nio.file.Files.readString(dir.resolve("writer.err")));

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(StateStore.FILE));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            assertTrue(rs.next());
            assertEquals("ok", rs.getString(1));
        }
        try (StateStore store = StateStore.open(dir)) {
            RelayLog log = store.relays();
            for (Map.Entry<String, String> r : reported.entrySet()) {
                RelayLog.Status status = log.get(Lease.Direction.TO_MATRIX, r.getKey()).orElseThrow(
                        () -> new AssertionError(r.getKey() + " was reported " + r.getValue() + " but is gone")).status();
                assertTrue(status.ordinal() >= RelayLog.Status.valueOf(r.getValue()).ordinal(),
                        r.getKey() + " was reported " + r.getValue() + " but is " + status);
            }
            String token = store.nextBatch("user").orElse(null);
            if (lastToken != null) {
                assertTrue(token != null && Integer.parseInt(token.substring(1))
                        >= Integer.parseInt(lastToken.substring(1)), "token " + token + " before " + lastToken);
            }
            // What was in flight at the kill is what a restart has to finish or leave: at most one message.
            assertTrue(log.unfinished().size() <= 1, log.unfinished().toString());
        }
    }
}
