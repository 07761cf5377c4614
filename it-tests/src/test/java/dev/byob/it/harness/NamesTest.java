package dev.byob.it.harness;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NamesTest {

    @Test
    void unique_anyHint_isAValidLocalpartNickAndIdentifier() {
        for (String hint : new String[] {"alice", "Bob Smith!", "", "42", "a-very-long-name-indeed"}) {
            String name = Names.unique(hint);

            assertTrue(name.matches("[a-z][a-z0-9_]{0,18}"), name);
        }
    }

    @Test
    void unique_sameHint_differs() {
        assertNotEquals(Names.unique("alice"), Names.unique("alice"));
    }
}
