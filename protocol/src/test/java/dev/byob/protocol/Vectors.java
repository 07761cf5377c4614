package dev.byob.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.protocol.json.CanonicalJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HexFormat;

/** Loads golden test vectors from {@code src/test/resources/vectors}. */
public final class Vectors {

    private Vectors() {}

    /** Reads and strictly parses {@code vectors/<name>} from the test class path. */
    public static JsonNode load(String name) {
        try (InputStream in = Vectors.class.getResourceAsStream("/vectors/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource vectors/" + name);
            }
            return CanonicalJson.parse(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot parse vectors/" + name, e);
        }
    }

    /** Decodes lowercase or uppercase hex. */
    public static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }
}
