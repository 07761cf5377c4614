package dev.byob.protocol.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.protocol.id.Nonce;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.remote.IrcAccountProof.CaseMapping;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IrcAccountProofTest {

    private static final Nonce NONCE = new Nonce("Wm5sP1dF7cJ0nTe-Bx3uYA");
    private static final IrcAccountProof RFC1459 = new IrcAccountProof(CaseMapping.RFC1459);

    @Test
    void name_ircMethod_isIrcAccountPrivmsg() {
        assertEquals("irc.account_privmsg", RFC1459.name());
    }

    @Test
    void proofText_nonce_byobProofPrefix() {
        assertEquals("byob-proof Wm5sP1dF7cJ0nTe-Bx3uYA", RFC1459.proofText(NONCE));
    }

    @Test
    void parseProof_ownProofText_returnsNonce() {
        assertEquals(Optional.of(NONCE), RFC1459.parseProof(RFC1459.proofText(NONCE)));
        assertEquals(Optional.of(NONCE), RFC1459.parseProof("byob-proof Wm5sP1dF7cJ0nTe-Bx3uYA  "));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "hello", "byob-proof", "byob-proof ", "BYOB-PROOF Wm5sP1dF7cJ0nTe-Bx3uYA",
        " byob-proof Wm5sP1dF7cJ0nTe-Bx3uYA", "byob-proof Wm5sP1dF7cJ0nTe-Bx3uY", "byob-proof Wm5sP1dF7cJ0nTe-Bx3uYA extra"})
    void parseProof_otherText_empty(String text) {
        assertEquals(Optional.empty(), RFC1459.parseProof(text));
    }

    @Test
    void parseProof_null_empty() {
        assertEquals(Optional.empty(), RFC1459.parseProof(null));
    }

    @ParameterizedTest
    @CsvSource(delimiter = ' ', value = {
        // claimed reported ascii rfc1459 strict-rfc1459
        "alice alice true true true",
        "Alice aLICE true true true",
        "Alice[m] alice{m} false true true",
        "a\\b A|B false true true",
        "alice~ ALICE^ false true false",
        "alice bob false false false",
        "alice alice2 false false false"})
    void sameAccount_eachCaseMapping_foldsItsCharacters(String claimed, String reported, boolean ascii, boolean rfc1459, boolean strict) {
        RemoteAccount account = new RemoteAccount(claimed);
        assertEquals(ascii, new IrcAccountProof(CaseMapping.ASCII).sameAccount(account, reported), "ascii");
        assertEquals(rfc1459, RFC1459.sameAccount(account, reported), "rfc1459");
        assertEquals(strict, new IrcAccountProof(CaseMapping.STRICT_RFC1459).sameAccount(account, reported), "strict-rfc1459");
    }

    @Test
    void sameAccount_notLoggedIn_false() {
        RemoteAccount star = new RemoteAccount("*");
        assertFalse(RFC1459.sameAccount(star, "*"));
        assertFalse(RFC1459.sameAccount(new RemoteAccount("alice"), ""));
        assertFalse(RFC1459.sameAccount(new RemoteAccount("alice"), null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u212Aelly", "\u212AELLY"})
    void sameAccount_nonAsciiThatLowerCasesToAscii_false(String reported) {
        // IRC case mappings fold ASCII only: U+212A KELVIN SIGN is not the letter K.
        for (CaseMapping mapping : CaseMapping.values()) {
            assertFalse(new IrcAccountProof(mapping).sameAccount(new RemoteAccount("kelly"), reported), mapping.name());
        }
    }

    @Test
    void sameAccount_nonAsciiLetters_comparedExactly() {
        assertTrue(RFC1459.sameAccount(new RemoteAccount("älice"), "äLICE"));
        assertFalse(RFC1459.sameAccount(new RemoteAccount("älice"), "Älice"));
    }

    @Test
    void fromIsupport_anyValue_knownMappingElseRfc1459() {
        assertEquals(CaseMapping.ASCII, CaseMapping.fromIsupport("ascii"));
        assertEquals(CaseMapping.ASCII, CaseMapping.fromIsupport("ASCII"));
        assertEquals(CaseMapping.STRICT_RFC1459, CaseMapping.fromIsupport("strict-rfc1459"));
        assertEquals(CaseMapping.RFC1459, CaseMapping.fromIsupport("rfc1459"));
        assertEquals(CaseMapping.RFC1459, CaseMapping.fromIsupport("rfc8265"));
        assertEquals(CaseMapping.RFC1459, CaseMapping.fromIsupport(null));
    }
}
