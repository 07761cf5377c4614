package dev.byob.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.crypto.JsonSigning;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.json.CanonicalJson;
import dev.byob.protocol.json.CanonicalJsonException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code byob sign}: sign a message file the Matrix way. */
@Command(name = "sign", mixinStandardHelpOptions = true,
        description = {"Signs a JSON message file the way Matrix signs JSON.", "",
            "Signs the JSON object in FILE (an event's content) as --entity with the key in --key and prints "
                + "the signed object as canonical JSON."})
final class SignCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--key", required = true, paramLabel = "KEYFILE", description = "A key written by 'byob keygen'.")
    Path keyFile;

    @Option(names = "--entity", required = true, paramLabel = "USER_ID",
            description = "Who signs: the visiting bridge's bot user id, e.g. @mybridge:home.example.")
    String entity;

    @Parameters(paramLabel = "FILE", description = "The JSON object to sign.")
    Path file;

    @Override
    public Integer call() throws Exception {
        UserId who = Inputs.userId(spec, "--entity", entity);
        SigningKey key = Inputs.key(spec, keyFile);
        JsonNode object = Inputs.json(spec, file);
        if (!object.isObject()) {
            throw new CommandLine.ParameterException(spec.commandLine(), file + ": a JSON object is needed");
        }
        ObjectNode signed;
        try {
            signed = JsonSigning.sign((ObjectNode) object, who.value(), key);
        } catch (CanonicalJsonException e) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    file + ": cannot be signed, it has no canonical form: " + e.getMessage());
        }
        spec.commandLine().getOut().println(CanonicalJson.encodeToString(signed));
        return 0;
    }
}
