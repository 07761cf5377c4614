package dev.byob.protocol.id;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RemoteAccountTest {

    @ParameterizedTest
    @ValueSource(strings = {"alice", "Alice[m]", "älice", "a|b^c"})
    void constructor_valid_accepted(String name) {
        assertEquals(name, new RemoteAccount(name).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "al ice", "al\tice", "al\u00a0ice", "al\u2003ice", "al\u0007ice", "al\u007fice", "alice\n"})
    void constructor_emptyWhitespaceOrControl_throws(String name) {
        assertThrows(IllegalArgumentException.class, () -> new RemoteAccount(name));
    }

    @Test
    void constructor_255Characters_acceptedAnd256Rejected() {
        assertEquals(255, new RemoteAccount("a".repeat(255)).name().length());
        assertThrows(IllegalArgumentException.class, () -> new RemoteAccount("a".repeat(256)));
    }
}
