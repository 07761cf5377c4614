package dev.byob.cli.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.crypto.Base64Unpadded;
import dev.byob.protocol.crypto.JsonSigning;
import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.crypto.VerifyKey;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.json.CanonicalJson;
import dev.byob.protocol.json.CanonicalJsonException;
import dev.byob.protocol.message.ByobMessage;
import dev.byob.protocol.message.DecodeException;
import dev.byob.protocol.message.MessageCodec;
import dev.byob.protocol.message.SignedContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Checks a test-vector file in the shapes of {@code spec-notes/vectors/} against this implementation:
 * a third party generates the files from its own implementation, and every case this one disagrees
 * with is reported with the difference.
 */
public final class VectorCheck {

    /** One case's outcome; {@code problem} is empty when it passed. */
    public record Result(String name, String problem) {
        public boolean passed() {
            return problem.isEmpty();
        }
    }

    /** Which of the four vector files this is. */
    public enum Kind { CANONICAL_JSON, SIGNING, MESSAGES_VALID, MESSAGES_INVALID }

    private VectorCheck() {}

    /** The file's kind, from its shape; an {@link IllegalArgumentException} says why none fits. */
    public static Kind kind(JsonNode file) {
        if (file.has("valid") && file.has("invalid")) {
            return Kind.CANONICAL_JSON;
        }
        if (file.has("ed25519") || file.has("json")) {
            return Kind.SIGNING;
        }
        JsonNode vectors = file.path("vectors");
        if (vectors.isArray() && vectors.size() > 0) {
            return vectors.get(0).has("error") ? Kind.MESSAGES_INVALID : Kind.MESSAGES_VALID;
        }
        throw new IllegalArgumentException("not a byob vector file: expected \"valid\"/\"invalid\", "
                + "\"ed25519\"/\"json\" or a non-empty \"vectors\" array (see spec-notes/vectors/README.md)");
    }

    /** Checks every case of {@code file}. */
    public static List<Result> check(JsonNode file) {
        List<Result> out = new ArrayList<>();
        switch (kind(file)) {
            case CANONICAL_JSON:
                file.path("valid").forEach(c -> out.add(run(c, () -> canonicalValid(c))));
                file.path("invalid").forEach(c -> out.add(run(c, () -> canonicalInvalid(c))));
                break;
            case SIGNING:
                file.path("ed25519").forEach(c -> out.add(run(c, () -> ed25519(c))));
                file.path("json").forEach(c -> out.add(run(c, () -> jsonSigning(c))));
                break;
            case MESSAGES_VALID:
                file.path("vectors").forEach(c -> out.add(run(c, () -> messageValid(c))));
                break;
            case MESSAGES_INVALID:
                file.path("vectors").forEach(c -> out.add(run(c, () -> messageInvalid(c))));
                break;
            default:
                throw new AssertionError();
        }
        return out;
    }

    private interface Check {
        String run() throws Exception;
    }

    private static Result run(JsonNode c, Check check) {
        String name = c.path("name").asText("(unnamed)");
        try {
            return new Result(name, check.run());
        } catch (Exception e) {
            return new Result(name, "could not be checked: " + e);
        }
    }

    private static String canonicalValid(JsonNode c) throws Exception {
        String got = CanonicalJson.encodeToString(CanonicalJson.parse(c.path("input").asText()));
        return got.equals(c.path("canonical").asText()) ? "" : "canonical form differs: expected "
                + c.path("canonical").asText() + ", got " + got;
    }

    private static String canonicalInvalid(JsonNode c) {
        try {
            CanonicalJson.encode(CanonicalJson.parse(c.path("input").asText()));
            return "accepted, but must be refused with " + c.path("error").asText();
        } catch (CanonicalJsonException e) {
            String reason = e.reason().name().toLowerCase(Locale.ROOT);
            if (!reason.equals(c.path("error").asText())) {
                return "refused with " + reason + ", expected " + c.path("error").asText();
            }
            if (c.has("pointer") && !c.path("pointer").asText().equals(e.path())) {
                return "refused at " + e.path() + ", expected " + c.path("pointer").asText();
            }
            return "";
        }
    }

    private static String ed25519(JsonNode c) throws Exception {
        HexFormat hex = HexFormat.of();
        SigningKey key = SigningKey.fromSeed(KeyId.ed25519("v"), hex.parseHex(c.path("seed").asText()));
        if (!Arrays.equals(key.verifyKey().publicKey(), hex.parseHex(c.path("public_key").asText()))) {
            return "public key from seed differs";
        }
        byte[] message = hex.parseHex(c.path("message").asText());
        byte[] signature = hex.parseHex(c.path("signature").asText());
        if (!Arrays.equals(key.sign(message), signature)) {
            return "signature differs";
        }
        key.verifyKey().verify(message, signature);
        return "";
    }

    private static String jsonSigning(JsonNode c) throws Exception {
        KeyId id = KeyId.parse(c.path("key_id").asText());
        SigningKey key = SigningKey.fromSeed(id, Base64Unpadded.decode(c.path("seed").asText()));
        ObjectNode input = (ObjectNode) c.path("input");
        String bytes = new String(JsonSigning.signingBytes(input), StandardCharsets.UTF_8);
        if (!bytes.equals(c.path("signing_bytes").asText())) {
            return "signing bytes differ: got " + bytes;
        }
        ObjectNode signed = JsonSigning.sign(input, c.path("entity").asText(), key);
        if (!CanonicalJson.encodeToString(signed).equals(CanonicalJson.encodeToString(c.path("signed")))) {
            return "signed object differs: got " + CanonicalJson.encodeToString(signed);
        }
        JsonSigning.verify((ObjectNode) c.path("signed"), c.path("entity").asText(),
                VerifyKey.fromBase64(id, c.path("public_key").asText()));
        return "";
    }

    private static String messageValid(JsonNode c) throws Exception {
        ByobMessage m = MessageCodec.decode(c.path("event_type").asText(), c.path("content"));
        String encoded = CanonicalJson.encodeToString(MessageCodec.encode(m));
        if (!encoded.equals(c.path("encoded").asText())) {
            return "re-encoding differs: got " + encoded;
        }
        JsonNode signer = c.path("signer");
        if (!signer.isMissingNode()) {
            SignedContent.verify(c.path("content"), UserId.parse(signer.path("entity").asText()),
                    VerifyKey.fromBase64(KeyId.parse(signer.path("key_id").asText()), signer.path("public_key").asText()));
        }
        return "";
    }

    private static String messageInvalid(JsonNode c) {
        String type = c.path("event_type").asText();
        JsonNode verifyWith = c.path("verify_with");
        try {
            MessageCodec.decode(type, c.path("content"));
            if (verifyWith.isMissingNode()) {
                return "decoded, but must fail with " + c.path("error").asText() + " at " + c.path("pointer").asText();
            }
            SignedContent.verify(c.path("content"), UserId.parse(verifyWith.path("entity").asText()),
                    VerifyKey.fromBase64(KeyId.parse(verifyWith.path("key_id").asText()),
                            verifyWith.path("public_key").asText()));
            return "the signature verified, but must fail";
        } catch (DecodeException e) {
            if (!e.code().wire().equals(c.path("error").asText()) || !e.pointer().equals(c.path("pointer").asText())) {
                return "failed with " + e.code().wire() + " at \"" + e.pointer() + "\", expected "
                        + c.path("error").asText() + " at \"" + c.path("pointer").asText() + "\"";
            }
            return "";
        }
    }
}
