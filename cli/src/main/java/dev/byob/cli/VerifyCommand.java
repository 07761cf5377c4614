package dev.byob.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.crypto.JsonSigning;
import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.SignatureVerificationException;
import dev.byob.protocol.crypto.VerifyKey;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.DecodeException;
import dev.byob.protocol.message.MessageCodec;
import dev.byob.protocol.message.MessageType;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code byob verify}: check a signed message file, and optionally that it is a valid byob message. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Checks a signed JSON message file.", "",
            "Checks the signature of --entity on the JSON object in FILE. With --type, also decodes it as that "
                + "byob message type, strictly, as a receiving bridge would.", "",
            "Exit codes: 0 valid, 1 invalid (the reason is printed), 2 bad usage or input."})
final class VerifyCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    static final class KeySource {
        @Option(names = "--key", paramLabel = "KEYFILE", description = "Take the public key from a key file.")
        Path keyFile;

        @Option(names = "--public-key", paramLabel = "KEY_ID=BASE64",
                description = "The public key, e.g. ed25519:1=yl3HGEnOyOpSdhVHJn6rXAXGbgdYn9ISfD4W3q2K8E4.")
        String publicKey;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    KeySource source;

    @Option(names = "--entity", required = true, paramLabel = "USER_ID", description = "Whose signature to check.")
    String entity;

    @Option(names = "--type", paramLabel = "TYPE",
            description = "Also decode as this message type: request, answer, heartbeat, release or cancel.")
    String type;

    @Parameters(paramLabel = "FILE", description = "The signed JSON object.")
    Path file;

    @Override
    public Integer call() throws Exception {
        UserId who = Inputs.userId(spec, "--entity", entity);
        VerifyKey key = source.keyFile != null ? Inputs.key(spec, source.keyFile).verifyKey() : publicKey();
        JsonNode object = Inputs.json(spec, file);
        if (!object.isObject()) {
            throw new CommandLine.ParameterException(spec.commandLine(), file + ": a JSON object is needed");
        }
        Optional<MessageType> messageType = Optional.empty();
        if (type != null) {
            messageType = MessageType.fromEventType(MessageType.PREFIX + type);
            if (messageType.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--type: '" + type + "' is not a byob message type");
            }
        }
        try {
            JsonSigning.verify((ObjectNode) object, who.value(), key);
        } catch (SignatureVerificationException e) {
            spec.commandLine().getOut().println("invalid: " + e.getMessage() + " (" + e.reason().name().toLowerCase(java.util.Locale.ROOT) + ")");
            return 1;
        }
        if (messageType.isPresent()) {
            try {
                MessageCodec.decode(messageType.get().eventType(), object);
            } catch (DecodeException e) {
                spec.commandLine().getOut().println("invalid " + messageType.get().suffix() + ": " + e.code().wire()
                        + " at " + (e.pointer().isEmpty() ? "\"\"" : e.pointer()) + ": " + e.reason());
                return 1;
            }
        }
        spec.commandLine().getOut().println("valid: signed by " + who + " with " + key.keyId()
                + messageType.map(t -> ", a well-formed " + t.suffix()).orElse(""));
        return 0;
    }

    private VerifyKey publicKey() {
        String[] parts = source.publicKey.split("=", 2);
        if (parts.length != 2) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--public-key: expected KEY_ID=BASE64");
        }
        try {
            return VerifyKey.fromBase64(KeyId.parse(parts[0]), parts[1]);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--public-key: " + e.getMessage());
        }
    }
}
