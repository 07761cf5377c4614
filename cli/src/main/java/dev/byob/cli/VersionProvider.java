package dev.byob.cli;

import dev.byob.protocol.message.ByobMessage;
import picocli.CommandLine;

/** The version line: the build's version and the protocol version it speaks. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = ByobCommand.class.getPackage().getImplementationVersion();
        return new String[] {
            "byob " + (version == null ? "(development build)" : version),
            "protocol version " + ByobMessage.VERSION + " (MSC3647, unstable prefix org.matrix.msc3647.)"
        };
    }
}
