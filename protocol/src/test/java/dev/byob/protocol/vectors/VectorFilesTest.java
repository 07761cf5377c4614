package dev.byob.protocol.vectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The committed vector files are exactly what the generator writes: regenerate after changing either. */
class VectorFilesTest {

    @Test
    void generate_output_equalsCommittedFiles() {
        Map<String, String> generated = VectorGenerator.generate();
        assertEquals(4, generated.size());
        for (Map.Entry<String, String> file : generated.entrySet()) {
            assertTrue(file.getValue().equals(VectorFiles.text(file.getKey())), file.getKey()
                    + " differs from the generator's output; run: mvn -B -q -pl protocol test-compile exec:java");
        }
    }

    @Test
    void committedFiles_anyFile_prettyPrintedWithFinalNewline() {
        for (String name : VectorGenerator.generate().keySet()) {
            String text = VectorFiles.text(name);
            assertTrue(text.startsWith("{\n  \"description\": "), name);
            assertTrue(text.endsWith("}\n") && !text.endsWith("\n\n"), name);
            assertTrue(!text.contains("\r"), name);
        }
    }
}
