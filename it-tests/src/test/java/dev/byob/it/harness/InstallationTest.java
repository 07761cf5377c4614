package dev.byob.it.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InstallationTest {

    @Test
    void cacheDir_explicitVariable_wins() {
        assertEquals(Path.of("/var/cache/x"),
                Installation.cacheDir(Map.of("BYOB_CACHE_DIR", "/var/cache/x", "XDG_CACHE_HOME", "/xdg")));
    }

    @Test
    void cacheDir_xdgCacheHome_isUsedNext() {
        assertEquals(Path.of("/xdg/byob"), Installation.cacheDir(Map.of("XDG_CACHE_HOME", "/xdg")));
    }

    @Test
    void cacheDir_nothingSet_isUnderHome() {
        assertEquals(Path.of(System.getProperty("user.home"), ".cache", "byob"), Installation.cacheDir(Map.of()));
    }
}
