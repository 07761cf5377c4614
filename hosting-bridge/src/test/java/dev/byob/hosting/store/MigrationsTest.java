package dev.byob.hosting.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class MigrationsTest {

    @Test
    void split_statementsCommentsAndQuotes() {
        String script = "-- a comment; with a semicolon\n"
                + "CREATE TABLE t (a TEXT); -- trailing\n"
                + "INSERT INTO t VALUES ('x;y -- not a comment', 'it''s');\n"
                + "\n;\n"
                + "SELECT \"odd;name\" FROM t";

        assertEquals(List.of("CREATE TABLE t (a TEXT)", "INSERT INTO t VALUES ('x;y -- not a comment', 'it''s')",
                "SELECT \"odd;name\" FROM t"), Migrations.split(script));
    }

    @Test
    void split_unterminatedQuote_rejected() {
        assertThrows(IllegalArgumentException.class, () -> Migrations.split("SELECT 'x"));
    }

    @Test
    void of_gapOrBadName_rejected() {
        assertThrows(IllegalArgumentException.class, () -> Migrations.of("db", "V1__a", "V3__c"));
        assertThrows(IllegalArgumentException.class, () -> Migrations.of("db", "V2__b"));
        assertThrows(IllegalArgumentException.class, () -> Migrations.of("db", "V1__Mixed-Case"));
    }

    @Test
    void hostingBridge_everyScriptListedAndPresent() throws Exception {
        URL folder = Migrations.class.getClassLoader().getResource("db/migration");
        List<String> onDisk;
        try (Stream<Path> files = Files.list(Path.of(folder.toURI()))) {
            onDisk = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".sql")).sorted()
                    .collect(Collectors.toList());
        }
        List<String> listed = Migrations.HOSTING_BRIDGE.all().stream().map(Migrations.Migration::fileName).sorted()
                .collect(Collectors.toList());

        assertEquals(listed, onDisk);
        for (Migrations.Migration m : Migrations.HOSTING_BRIDGE.all()) {
            for (Dialect dialect : Dialect.values()) {
                m.statements(dialect);
            }
        }
    }
}
