package dev.byob.cli;

import dev.byob.kit.keys.KeyFile;
import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.SigningKey;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code byob keygen}: a new signing key for a visiting bridge. */
@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = {"Creates a visiting bridge's signing key and prints its public key.", "",
            "FILE gets one line, 'ed25519 <version> <base64 seed>', as Synapse's signing keys do, readable by "
                + "its owner only (mode 0600). An existing file is never overwritten."})
final class KeygenCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "Where to write the key; must not exist yet.")
    Path file;

    @Option(names = "--key-version", paramLabel = "VERSION", defaultValue = "1",
            description = "The key id's version, 1 to 32 of [A-Za-z0-9_] (default: ${DEFAULT-VALUE}, giving ed25519:1).")
    String version;

    @Override
    public Integer call() throws Exception {
        if (KeyFile.exists(file)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    file + " already exists; keys are never overwritten (remove it first if you mean it)");
        }
        KeyId id;
        try {
            id = KeyId.ed25519(version);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--key-version: " + e.getMessage());
        }
        SigningKey key = SigningKey.generate(id, new SecureRandom());
        KeyFile.write(file, key);
        spec.commandLine().getOut().println(key.keyId() + " " + key.verifyKey().publicKeyBase64());
        return 0;
    }
}
