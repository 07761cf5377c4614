package dev.byob.protocol.id;

import java.util.Objects;

/**
 * An account on the remote network (on IRC: the services account, never a nick): 1 to 255 characters
 * with no whitespace or control characters. Compared exactly here; a network's own case rules are
 * applied by its remote-proof verifier.
 */
public record RemoteAccount(String name) {

    /** Validates on construction. */
    public RemoteAccount {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.length() > 255) {
            throw new IllegalArgumentException("a remote account is 1 to 255 characters");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c) || Character.isSpaceChar(c)) {
                throw new IllegalArgumentException("a remote account has no whitespace or control characters");
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
