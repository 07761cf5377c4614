package dev.byob.protocol.remote.irc;

/** Why a SASL login did not happen, worded so a bridge can tell its user what to fix. */
public enum SaslFailure {
    /** The server does not offer the {@code sasl} capability, refused it, or does not negotiate capabilities. */
    NOT_OFFERED("the IRC server does not offer SASL login"),
    /** The server offers SASL but not the {@code PLAIN} mechanism (908, or the capability's value). */
    MECHANISM_UNAVAILABLE("the IRC server does not offer SASL PLAIN"),
    /** 904: wrong account name or password (or another refusal the server did not detail). */
    CREDENTIALS_REJECTED("the account name or password is wrong"),
    /** 902: the account is locked, held or otherwise unavailable. */
    ACCOUNT_UNAVAILABLE("the account is locked or otherwise unavailable"),
    /** 905: the server found the response too long. */
    MESSAGE_TOO_LONG("the login message was too long for the server"),
    /** 906: the exchange was aborted. */
    ABORTED("the login was aborted"),
    /** The server answered {@code AUTHENTICATE PLAIN} with something other than an empty challenge. */
    UNEXPECTED_REPLY("the server answered the SASL exchange unexpectedly");

    private final String description;

    SaslFailure(String description) {
        this.description = description;
    }

    /** A sentence fragment for people, e.g. "the account name or password is wrong". */
    public String description() {
        return description;
    }
}
