package dev.byob.protocol.remote.irc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.protocol.remote.IrcAccountProof.CaseMapping;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class IsupportTest {

    @Test
    void empty_defaultsToRfc1459_noNetwork() {
        Isupport isupport = Isupport.empty();

        assertEquals(CaseMapping.RFC1459, isupport.caseMapping());
        assertEquals(Optional.empty(), isupport.network());
        assertEquals(OptionalInt.empty(), isupport.nickLength());
    }

    @Test
    void with_tokens_valuesUnescapedAndNamesUpperCased() {
        Isupport isupport = Isupport.empty().with(List.of("CASEMAPPING=ascii", "NETWORK=Byob\\x20Test\\x5Cnet",
                "NICKLEN=30", "EXCEPTS", "chantypes=#"));

        assertEquals(CaseMapping.ASCII, isupport.caseMapping());
        assertEquals(Optional.of("Byob Test\\net"), isupport.network());
        assertEquals(OptionalInt.of(30), isupport.nickLength());
        assertTrue(isupport.has("EXCEPTS"));
        assertEquals(Optional.of(""), isupport.value("excepts"));
        assertEquals(Optional.of("#"), isupport.value("CHANTYPES"));
    }

    @Test
    void with_negatedToken_removesIt() {
        Isupport isupport = Isupport.empty().with(List.of("EXCEPTS", "NETWORK=A")).with(List.of("-EXCEPTS", "NETWORK=B"));

        assertFalse(isupport.has("EXCEPTS"));
        assertEquals(Optional.of("B"), isupport.network());
    }

    @Test
    void unescape_malformedEscape_keptAsIs() {
        assertEquals("a\\xZZb\\x2", Isupport.unescape("a\\xZZb\\x2"));
        assertEquals("a=b", Isupport.unescape("a\\x3Db"));
    }

    @Test
    void nickLength_notANumber_empty() {
        assertEquals(OptionalInt.empty(), Isupport.empty().with(List.of("NICKLEN=many")).nickLength());
    }

    @Test
    void equals_sameTokens() {
        assertEquals(Isupport.empty().with(List.of("A=1")), Isupport.empty().with(List.of("a=1")));
    }
}
