package dev.byob.protocol.remote.irc;

import java.util.Optional;

/** The numeric replies byob's IRC code acts on, by their usual names. */
public final class IrcNumerics {
    /** 001: registration completed; the first parameter is the nick given. */
    public static final String RPL_WELCOME = "001";
    /** 005: ISUPPORT tokens, between the nick and a trailing text. */
    public static final String RPL_ISUPPORT = "005";
    /** 330: in a WHOIS reply, {@code <client> <nick> <account> :is logged in as}. */
    public static final String RPL_WHOISACCOUNT = "330";
    /** 318: the end of a WHOIS reply. */
    public static final String RPL_ENDOFWHOIS = "318";
    /** 401: no such nick or channel. */
    public static final String ERR_NOSUCHNICK = "401";
    /** 432: the nick is not valid on this network. */
    public static final String ERR_ERRONEUSNICKNAME = "432";
    /** 433: the nick is in use. */
    public static final String ERR_NICKNAMEINUSE = "433";
    /** 436: the nick collided with one on another server. */
    public static final String ERR_NICKCOLLISION = "436";
    /** 900: logged in; {@code <client> <nick!user@host> <account> :text}. */
    public static final String RPL_LOGGEDIN = "900";
    /** 901: logged out. */
    public static final String RPL_LOGGEDOUT = "901";
    /** 902: the account is locked or unavailable. */
    public static final String ERR_NICKLOCKED = "902";
    /** 903: SASL authentication succeeded. */
    public static final String RPL_SASLSUCCESS = "903";
    /** 904: SASL authentication failed (wrong credentials, or an unspecified refusal). */
    public static final String ERR_SASLFAIL = "904";
    /** 905: the SASL message was too long. */
    public static final String ERR_SASLTOOLONG = "905";
    /** 906: SASL authentication was aborted. */
    public static final String ERR_SASLABORTED = "906";
    /** 907: already authenticated. */
    public static final String ERR_SASLALREADY = "907";
    /** 908: the mechanisms available, comma-separated, as the second parameter. */
    public static final String RPL_SASLMECHS = "908";

    private IrcNumerics() {
    }

    /**
     * The account a WHOIS reply reports for a nick (330), for checking a sender when the
     * {@code account} tag is not available.
     *
     * @param nick the nick asked about
     * @param account its services account
     */
    public record WhoisAccount(String nick, String account) {

        /** The nick and account in {@code message}, if it is a well-formed 330 reply. */
        public static Optional<WhoisAccount> from(IrcMessage message) {
            if (!message.is(RPL_WHOISACCOUNT) || message.params().size() < 3) {
                return Optional.empty();
            }
            return Optional.of(new WhoisAccount(message.params().get(1), message.params().get(2)));
        }
    }
}
