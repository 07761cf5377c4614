package dev.byob.kit.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.byob.kit.matrix.ServerNameResolver.SrvRecord;
import dev.byob.kit.matrix.ServerNameResolver.Target;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ServerNameResolverTest {
    private final Map<String, String> wellKnown = new HashMap<>();
    private final Map<String, List<SrvRecord>> srv = new HashMap<>();
    private final ServerNameResolver resolver = new ServerNameResolver(h -> Optional.ofNullable(wellKnown.get(h)),
            n -> srv.getOrDefault(n, List.of()));

    @Test
    void literalsAndExplicitPorts_areUsedAsGiven_withoutLookups() {
        wellKnown.put("example.org", "elsewhere.net");
        assertEquals(new Target("1.2.3.4", 8448, "1.2.3.4"), resolver.resolve("1.2.3.4"));
        assertEquals(new Target("[2001:db8::1]", 443, "[2001:db8::1]"), resolver.resolve("[2001:db8::1]:443"));
        assertEquals(new Target("example.org", 8449, "example.org"), resolver.resolve("example.org:8449"));
    }

    @Test
    void wellKnown_delegates_andTheDelegatedNameIsResolvedWithItsPortOrSrvOr8448() {
        wellKnown.put("a.org", "matrix.a.org:443");
        wellKnown.put("b.org", "matrix.b.org");
        srv.put("_matrix-fed._tcp.matrix.b.org", List.of(new SrvRecord(10, 5, 8443, "fed.b.org.")));
        wellKnown.put("c.org", "matrix.c.org");
        assertEquals(new Target("matrix.a.org", 443, "matrix.a.org"), resolver.resolve("a.org"));
        assertEquals(new Target("matrix.b.org", 8443, "fed.b.org"), resolver.resolve("b.org"));
        assertEquals(new Target("matrix.c.org", 8448, "matrix.c.org"), resolver.resolve("c.org"));
    }

    @Test
    void withoutWellKnown_srvRecords_newBeforeOld_lowestPriorityThenHighestWeight() {
        srv.put("_matrix-fed._tcp.d.org", List.of(new SrvRecord(20, 100, 1, "late.d.org."),
                new SrvRecord(10, 1, 2, "light.d.org."), new SrvRecord(10, 9, 3, "heavy.d.org.")));
        srv.put("_matrix._tcp.d.org", List.of(new SrvRecord(0, 0, 4, "old.d.org.")));
        srv.put("_matrix._tcp.e.org", List.of(new SrvRecord(0, 0, 4, "old.e.org.")));
        srv.put("_matrix-fed._tcp.f.org", List.of(new SrvRecord(0, 0, 0, ".")));
        assertEquals(new Target("d.org", 3, "heavy.d.org"), resolver.resolve("d.org"));
        assertEquals(new Target("e.org", 4, "old.e.org"), resolver.resolve("e.org"));
        assertEquals(new Target("f.org", 8448, "f.org"), resolver.resolve("f.org"), "'.' means no service");
    }

    @Test
    void aBadDelegation_isIgnored_andBadNamesAreRefused() {
        wellKnown.put("g.org", "not a name");
        assertEquals(new Target("g.org", 8448, "g.org"), resolver.resolve("g.org"));
        for (String bad : List.of("", "a b", "host:0", "host:99999", "[zz]", "host:")) {
            assertThrows(IllegalArgumentException.class, () -> resolver.resolve(bad), bad);
        }
    }
}
