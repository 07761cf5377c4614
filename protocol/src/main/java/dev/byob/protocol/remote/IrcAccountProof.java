package dev.byob.protocol.remote;

import dev.byob.protocol.id.Nonce;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.message.ProofMethods;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code irc.account_privmsg}: from a connection logged in (SASL) to the services account, send
 * {@code PRIVMSG <hb bot> :byob-proof <nonce>}. The hosting bridge's bot accepts it only when the
 * message's IRCv3 {@code account} tag (or, without the tag, WHOIS numeric 330) names the claimed
 * account. A nick proves nothing: only the services account counts.
 */
public final class IrcAccountProof implements RemoteProofMethod {
    /** The word before the nonce. */
    public static final String PREFIX = "byob-proof ";

    private final CaseMapping caseMapping;

    /** Account names compare by the network's {@code CASEMAPPING} (ISUPPORT); {@code rfc1459} is IRC's default. */
    public enum CaseMapping {
        /** Only A-Z and a-z fold. */
        ASCII,
        /** A-Z, {@code []\\~} fold to a-z, {@code {}|^}: IRC's default. */
        RFC1459,
        /** As rfc1459 but without {@code ~} and {@code ^}. */
        STRICT_RFC1459;

        /** Parses an ISUPPORT CASEMAPPING value; unknown values fall back to {@code rfc1459}. */
        public static CaseMapping fromIsupport(String value) {
            if ("ascii".equalsIgnoreCase(value)) {
                return ASCII;
            }
            if ("strict-rfc1459".equalsIgnoreCase(value)) {
                return STRICT_RFC1459;
            }
            return RFC1459;
        }

        // IRC case mappings fold ASCII only. A Unicode lower-casing would also fold other code points,
        // some of them onto ASCII letters (U+212A KELVIN SIGN becomes 'k'), and so let one account
        // pass for another.
        /** {@code s} folded to this mapping's lower case, for comparing nicks, channels and accounts. */
        public String fold(String s) {
            StringBuilder out = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c >= 'A' && c <= 'Z') {
                    c = (char) (c + ('a' - 'A'));
                } else if (this != ASCII) {
                    switch (c) {
                        case '[': c = '{'; break;
                        case ']': c = '}'; break;
                        case '\\': c = '|'; break;
                        case '~': c = this == RFC1459 ? '^' : c; break;
                        default: break;
                    }
                }
                out.append(c);
            }
            return out.toString();
        }
    }

    /** A proof method comparing accounts by {@code caseMapping}. */
    public IrcAccountProof(CaseMapping caseMapping) {
        this.caseMapping = Objects.requireNonNull(caseMapping, "caseMapping");
    }

    @Override
    public String name() {
        return ProofMethods.IRC_ACCOUNT_PRIVMSG;
    }

    @Override
    public String proofText(Nonce nonce) {
        return PREFIX + nonce.value();
    }

    @Override
    public Optional<Nonce> parseProof(String text) {
        if (text == null || !text.startsWith(PREFIX)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Nonce(text.substring(PREFIX.length()).trim()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Folded by rfc1459, the coarsest IRC case mapping, so the key is the same whatever the network uses. */
    @Override
    public String accountKey(String account) {
        return CaseMapping.RFC1459.fold(account);
    }

    @Override
    public boolean sameAccount(RemoteAccount claimed, String reported) {
        // "*" is how IRC says "not logged in" in account-notify and extended-join.
        if (reported == null || reported.isEmpty() || "*".equals(reported)) {
            return false;
        }
        return caseMapping.fold(claimed.name()).equals(caseMapping.fold(reported));
    }
}
