package dev.byob.protocol.id;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UserIdTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "@alice:home.example",
        "@a:b",
        "@alice.bob_=-/+:home.example",
        // historical localparts: any printable ASCII except ':'
        "@Alice:home.example",
        "@!\"#$%&'()*+,-./;<=>?@[\\]^_`{|}~:home.example",
        "@alice:home.example:8448",
        "@alice:1.2.3.4",
        "@alice:[::1]:8448",
        "@alice:[2001:db8::1]"})
    void parse_validId_accepted(String value) {
        assertEquals(value, UserId.parse(value).value());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "alice:home.example", "@:home.example", "@alice", "@alice:", "@al ice:home.example", "@al\u007fice:home.example",
        "@älice:home.example", "@alice:home example", "@alice:home.example:port", "@alice:home.example:123456",
        "#alice:home.example", "", "@alice:[1]", "@alice:[::1", "@alice:[::1]x", "@alice:[::g]", "@alice:[]",
        "@alice:home.example:", "@alice:home.example:12a", "@alice:home_example", "@alice::8448"})
    void parse_invalidId_throws(String value) {
        assertThrows(IllegalArgumentException.class, () -> UserId.parse(value));
    }

    @Test
    void parse_255Bytes_acceptedAnd256Rejected() {
        String suffix = ":hb.example";
        String at255 = "@" + "a".repeat(255 - 1 - suffix.length()) + suffix;
        assertEquals(255, new UserId(at255).value().length());
        assertThrows(IllegalArgumentException.class, () -> new UserId("@a" + at255.substring(1)));
    }

    @Test
    void parts_idWithPort_splitAtFirstColon() {
        UserId id = new UserId("@alice:home.example:8448");
        assertEquals("alice", id.localpart());
        assertEquals("home.example:8448", id.serverName());
        assertEquals("@alice:home.example:8448", id.toString());
    }
}
