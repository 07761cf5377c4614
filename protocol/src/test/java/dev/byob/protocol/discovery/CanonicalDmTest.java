package dev.byob.protocol.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.byob.protocol.discovery.CanonicalDm.Candidate;
import dev.byob.protocol.id.RoomId;
import org.junit.jupiter.api.Test;

class CanonicalDmTest {
    private static Candidate dm(String id, long ts) {
        return new Candidate(RoomId.parse(id), ts);
    }

    @Test
    void theOlderRoomIsKept_whicheverSideAsks() {
        Candidate old = dm("!zzz:vb.example", 1000);
        Candidate young = dm("!aaa:vb.example", 2000);
        assertEquals(old, CanonicalDm.keep(old, young));
        assertEquals(old, CanonicalDm.keep(young, old));
    }

    @Test
    void onEqualTimestamps_theSmallerIdByCodePoints() {
        Candidate a = dm("!abc:vb.example", 1000);
        Candidate b = dm("!abd:vb.example", 1000);
        assertEquals(a, CanonicalDm.keep(b, a));
        // U+FF61 sorts before U+1F600 by code point, though after its surrogates by UTF-16 unit.
        Candidate bmp = dm("!\uFF61:vb.example", 1000);
        Candidate astral = dm("!\uD83D\uDE00:vb.example", 1000);
        assertEquals(bmp, CanonicalDm.keep(astral, bmp));
    }
}
