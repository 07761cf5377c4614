package dev.byob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** keygen, sign, verify and vectors check through their command lines. */
class ToolCommandsTest {
    private static final Path VECTORS = Path.of("..", "spec-notes", "vectors");

    @TempDir
    Path dir;

    private static CommandRun run(String... args) {
        return CommandRun.of(args);
    }

    @Test
    void keygen_writesAnOwnerOnlyKeyAndPrintsThePublicKey_neverOverwrites() throws Exception {
        Path key = dir.resolve("vb.key");
        CommandRun r = run("keygen", "--key-version", "pi1", key.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().matches("ed25519:pi1 [A-Za-z0-9+/]{43}\\s*"), r.out());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertTrue(Files.readString(key).startsWith("ed25519 pi1 "));
        String before = Files.readString(key);
        CommandRun again = run("keygen", key.toString());
        assertEquals(2, again.exit());
        assertTrue(again.err().contains("already exists"), again.err());
        assertEquals(before, Files.readString(key));
    }

    @Test
    void keygen_badVersion_isAUsageError() {
        CommandRun r = run("keygen", "--key-version", "no spaces", dir.resolve("k").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--key-version"), r.err());
    }

    @Test
    void signThenVerify_roundTrips_andATamperedFileFails() throws Exception {
        Path key = dir.resolve("vb.key");
        run("keygen", key.toString());
        Path message = dir.resolve("heartbeat.json");
        Files.writeString(message, "{\"version\":1,\"txn_id\":\"hb-000001\",\"user_id\":\"@alice:home.example\","
                + "\"network\":{\"protocol\":\"irc\",\"id\":\"libera\"},\"epoch\":1,\"seq\":1,\"fill_ack\":0}");
        CommandRun signed = run("sign", "--key", key.toString(), "--entity", "@vb:home.example", message.toString());
        assertEquals(0, signed.exit(), signed.err());
        Path signedFile = dir.resolve("signed.json");
        Files.writeString(signedFile, signed.out());
        CommandRun ok = run("verify", "--key", key.toString(), "--entity", "@vb:home.example", "--type", "heartbeat",
                signedFile.toString());
        assertEquals(0, ok.exit(), ok.out() + ok.err());
        assertTrue(ok.out().startsWith("valid: signed by @vb:home.example with ed25519:1, a well-formed heartbeat"));

        ObjectNode tampered = (ObjectNode) new ObjectMapper().readTree(signed.out());
        tampered.put("seq", 2);
        Files.writeString(signedFile, tampered.toString());
        CommandRun bad = run("verify", "--key", key.toString(), "--entity", "@vb:home.example", signedFile.toString());
        assertEquals(1, bad.exit());
        assertTrue(bad.out().startsWith("invalid:"), bad.out());
    }

    @Test
    void verify_wellSignedButMalformedMessage_namesTheFieldAndCode() throws Exception {
        Path key = dir.resolve("vb.key");
        run("keygen", key.toString());
        Path message = dir.resolve("m.json");
        Files.writeString(message, "{\"version\":1,\"txn_id\":\"hb-000001\",\"epoch\":1}");
        Path signedFile = dir.resolve("signed.json");
        Files.writeString(signedFile, run("sign", "--key", key.toString(), "--entity", "@vb:home.example",
                message.toString()).out());
        CommandRun r = run("verify", "--key", key.toString(), "--entity", "@vb:home.example", "--type", "heartbeat",
                signedFile.toString());
        assertEquals(1, r.exit());
        assertTrue(r.out().contains("missing_field at /user_id"), r.out());
    }

    @Test
    void verify_badInputs_areUsageErrorsWithoutStackTraces() throws Exception {
        Path notJson = dir.resolve("x.json");
        Files.writeString(notJson, "{not json");
        CommandRun r = run("verify", "--public-key", "ed25519:1=AAAA", "--entity", "@vb:home.example", notJson.toString());
        assertEquals(2, r.exit());
        assertFalse(r.err().contains("Exception"), r.err());
        CommandRun missingKey = run("verify", "--key", dir.resolve("nope.key").toString(), "--entity", "@vb:home.example",
                notJson.toString());
        assertEquals(2, missingKey.exit());
        assertTrue(missingKey.err().contains("no such key file"), missingKey.err());
        CommandRun badEntity = run("sign", "--key", dir.resolve("nope.key").toString(), "--entity", "vb", notJson.toString());
        assertEquals(2, badEntity.exit());
        assertTrue(badEntity.err().contains("--entity"), badEntity.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"canonical-json.json", "signing.json", "messages-valid.json", "messages-invalid.json"})
    void vectorsCheck_committedFiles_allAgree(String name) {
        CommandRun r = run("vectors", "check", "--quiet", VECTORS.resolve(name).toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains(" 0 disagree"), r.out());
    }

    @Test
    void vectorsCheck_anImplementationThatDisagrees_isReportedCaseByCase() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode file = (ObjectNode) mapper.readTree(VECTORS.resolve("messages-invalid.json").toFile());
        ObjectNode first = (ObjectNode) ((ArrayNode) file.get("vectors")).get(0);
        first.put("pointer", "/somewhere/else");
        Path other = dir.resolve("theirs.json");
        Files.writeString(other, file.toString());
        CommandRun r = run("vectors", "check", "--quiet", other.toString());
        assertEquals(1, r.exit());
        assertTrue(r.out().startsWith("FAIL " + first.get("name").asText()), r.out());
        assertTrue(r.out().contains(" 1 disagree"), r.out());
    }

    @Test
    void vectorsCheck_notAVectorFile_isAUsageError() throws Exception {
        Path other = dir.resolve("other.json");
        Files.writeString(other, "{\"hello\":1}");
        CommandRun r = run("vectors", "check", other.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("not a byob vector file"), r.err());
    }
}
