package dev.byob.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.byob.kit.keys.KeyFile;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.id.UserId;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine;

/** Reading what the user named on the command line, with errors that say what to fix. */
final class Inputs {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Inputs() {}

    static UserId userId(CommandLine.Model.CommandSpec spec, String option, String value) {
        try {
            return UserId.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + ": " + e.getMessage());
        }
    }

    static SigningKey key(CommandLine.Model.CommandSpec spec, Path file) {
        try {
            return KeyFile.read(file);
        } catch (NoSuchFileException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), file + ": no such key file (create one with 'byob keygen')");
        } catch (IOException | IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), file + ": " + e.getMessage());
        }
    }

    /** A JSON file, read leniently: the strict checks are what the commands report on. */
    static JsonNode json(CommandLine.Model.CommandSpec spec, Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException
                    ? ((com.fasterxml.jackson.core.JsonProcessingException) e).getOriginalMessage()
                    : e.getMessage();
            throw new CommandLine.ParameterException(spec.commandLine(), file + ": not readable JSON: " + why);
        }
    }
}
