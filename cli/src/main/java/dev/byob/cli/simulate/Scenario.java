package dev.byob.cli.simulate;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** The stories {@code byob simulate} can tell. */
public enum Scenario {
    HAPPY_PATH("happy-path", "a visiting bridge proves both accounts and the hosting bridge steps aside"),
    OVERRIDE("override", "a second visiting bridge logs in for the same user and replaces the first"),
    RACE("race", "two visiting bridges log in for the same user at once; the last to finish holds trust"),
    REVOKE("revoke", "the user tells the hosting bridge to take over again (a decommissioned bridge)"),
    LEASE_LAPSE("lease-lapse", "the visiting bridge goes down, the hosting bridge fills in, the bridge returns"),
    WRONG_ACCOUNT("wrong-account", "the remote proof comes from a connection logged in to another account");

    private final String id;
    private final String description;

    Scenario(String id, String description) {
        this.id = id;
        this.description = description;
    }

    /** The name on the command line. */
    public String id() {
        return id;
    }

    /** One line on what happens. */
    public String description() {
        return description;
    }

    /** The scenario named {@code id}. */
    public static Optional<Scenario> byId(String id) {
        return Arrays.stream(values()).filter(s -> s.id.equals(id)).findFirst();
    }

    /** Every name, for help and errors. */
    public static String ids() {
        return Arrays.stream(values()).map(Scenario::id).collect(Collectors.joining(", "));
    }
}
