package dev.byob.kit.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PathSegmentsTest {

    @Test
    void encode_matrixSigils_arePercentEncoded() {
        assertEquals("%40alice%3Aexample.org", PathSegments.encode("@alice:example.org"));
        assertEquals("%21room%3Aexample.org", PathSegments.encode("!room:example.org"));
        assertEquals("%24event", PathSegments.encode("$event"));
        assertEquals("%23chan%3Aexample.org", PathSegments.encode("#chan:example.org"));
    }

    @Test
    void encode_slashPercentSpaceAndUnicode_areEncoded() {
        assertEquals("a%2Fb%25c%20d%3Fe", PathSegments.encode("a/b%c d?e"));
        assertEquals("caf%C3%A9", PathSegments.encode("café"));
    }

    @Test
    void encode_unreserved_areKept() {
        assertEquals("m.room.message-_~09AZaz", PathSegments.encode("m.room.message-_~09AZaz"));
        assertEquals("", PathSegments.encode(""));
    }

    @Test
    void encode_dotSegments_areRejected() {
        assertThrows(IllegalArgumentException.class, () -> PathSegments.encode("."));
        assertThrows(IllegalArgumentException.class, () -> PathSegments.encode(".."));
        assertEquals("...", PathSegments.encode("..."));
    }
}
