package dev.byob.hosting.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DatabaseConfigTest {

    @Test
    void inDataDirectory_sqliteFileInIt() {
        assertEquals(new DatabaseConfig.Sqlite(Path.of("/var/lib/byob/hosting-bridge.sqlite3")),
                DatabaseConfig.inDataDirectory(Path.of("/var/lib/byob")));
    }

    @Test
    void postgres_toString_hidesPasswords() {
        String text = new DatabaseConfig.Postgres("jdbc:postgresql://db/byob?ssl=true&password=url-secret&x=1",
                "byob", "field-secret").toString();

        assertFalse(text.contains("secret"), text);
        assertEquals("Postgres[jdbcUrl=jdbc:postgresql://db/byob?ssl=true&password=***&x=1, user=byob, password=***]",
                text);
    }

    @Test
    void postgres_otherUrl_rejected() {
        assertThrows(IllegalArgumentException.class, () -> new DatabaseConfig.Postgres("jdbc:mysql://db/x", "u", "p"));
    }
}
