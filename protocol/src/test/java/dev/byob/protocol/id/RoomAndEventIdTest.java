package dev.byob.protocol.id;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RoomAndEventIdTest {

    @ParameterizedTest
    @ValueSource(strings = {"!chat:hb.example", "!opaqueRoomV12", "!é:hb.example"})
    void roomId_valid_accepted(String value) {
        assertEquals(value, RoomId.parse(value).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "!", "chat:hb.example", "$chat:hb.example", "!chat hb", "!chat\u0000", "!chat\u007f"})
    void roomId_invalid_throws(String value) {
        assertThrows(IllegalArgumentException.class, () -> RoomId.parse(value));
    }

    @Test
    void roomId_over255Utf8Bytes_throws() {
        assertEquals(255, ("!" + "é".repeat(127)).getBytes(StandardCharsets.UTF_8).length);
        new RoomId("!" + "é".repeat(127));
        assertThrows(IllegalArgumentException.class, () -> new RoomId("!" + "é".repeat(127) + "a"));
    }

    @Test
    void roomId_surrogatePairsCountFourBytes_loneSurrogatesOne() {
        String face = "\uD83D\uDE00"; // one code point, four bytes in UTF-8
        new RoomId("!" + face.repeat(63) + "ab"); // 255 bytes
        assertThrows(IllegalArgumentException.class, () -> new RoomId("!" + face.repeat(63) + "abc"));
        new RoomId("!" + "\uD83D".repeat(254)); // encoded as '?' each: 255 bytes
        assertThrows(IllegalArgumentException.class, () -> new RoomId("!" + "\uD83D".repeat(255)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"$aT4nW2qY8mR6uC0vE9xZ1bD3fG5hJ7kL2pS4oI6yU8w", "$legacy:hb.example"})
    void eventId_valid_accepted(String value) {
        assertEquals(value, EventId.parse(value).value());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "$", "aT4nW2", "!room:hb.example", "$a b"})
    void eventId_invalid_throws(String value) {
        assertThrows(IllegalArgumentException.class, () -> EventId.parse(value));
    }

    @Test
    void eventId_256Bytes_throws() {
        new EventId("$" + "a".repeat(254));
        assertThrows(IllegalArgumentException.class, () -> new EventId("$" + "a".repeat(255)));
    }
}
