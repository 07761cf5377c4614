package dev.byob.it.harness;

import java.util.List;

/**
 * The kinds of real server the integration tests need, with the environment variables that point the
 * tests at an existing one instead of starting one.
 */
public enum ServerKind {
    /** A Matrix homeserver; a started one is Synapse. */
    HOMESERVER("a Matrix homeserver", "Synapse",
            "BYOB_IT_HOMESERVER_URL", List.of("BYOB_IT_REGISTRATION_SECRET"), List.of("BYOB_IT_SERVER_NAME")),
    /** An IRC network with NickServ accounts and SASL; a started one is InspIRCd with Atheme. */
    IRC("an IRC network with services", "InspIRCd and Atheme",
            "BYOB_IT_IRC_HOST", List.of(), List.of("BYOB_IT_IRC_PORT")),
    /** A PostgreSQL server for the bridges' durable stores. */
    POSTGRES("a PostgreSQL server", "PostgreSQL",
            "BYOB_IT_PG_URL", List.of(), List.of("BYOB_IT_PG_USER", "BYOB_IT_PG_PASSWORD"));

    private final String description;
    private final String embeddedName;
    private final String primaryVariable;
    private final List<String> requiredVariables;
    private final List<String> optionalVariables;

    ServerKind(String description, String embeddedName, String primaryVariable,
               List<String> requiredVariables, List<String> optionalVariables) {
        this.description = description;
        this.embeddedName = embeddedName;
        this.primaryVariable = primaryVariable;
        this.requiredVariables = requiredVariables;
        this.optionalVariables = optionalVariables;
    }

    /** What the server is, e.g. "a Matrix homeserver". */
    public String description() {
        return description;
    }

    /** What the harness starts when no existing server is named, e.g. "Synapse". */
    public String embeddedName() {
        return embeddedName;
    }

    /** The variable whose presence means "use an existing server". */
    public String primaryVariable() {
        return primaryVariable;
    }

    /** Variables that must accompany the primary one. */
    public List<String> requiredVariables() {
        return requiredVariables;
    }

    /** Variables that may accompany the primary one. */
    public List<String> optionalVariables() {
        return optionalVariables;
    }
}
