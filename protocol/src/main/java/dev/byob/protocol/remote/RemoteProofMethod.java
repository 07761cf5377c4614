package dev.byob.protocol.remote;

import dev.byob.protocol.id.Nonce;
import dev.byob.protocol.id.RemoteAccount;
import java.util.Optional;

/**
 * How a remote network proves that a connection belongs to an account. A bridge author implements one
 * per network; both sides use it: the visiting bridge to word the proof it sends through the user's
 * account, the hosting bridge to recognise that proof and to compare the account its network reports
 * for the sender with the account the visiting bridge claimed.
 *
 * <p>The general model: the hosting bridge hands out a nonce; the visiting bridge makes it appear
 * through the user's remote account where only the hosting bridge can see it; the hosting bridge
 * checks who sent it with the network's own notion of accounts. A network without accounts cannot
 * offer such a proof, and byob refuses it.
 */
public interface RemoteProofMethod {

    /** The method name on the wire, e.g. {@code irc.account_privmsg}. */
    String name();

    /** The text the user's remote account sends to the hosting bridge's bot. */
    String proofText(Nonce nonce);

    /** The nonce in a message the hosting bridge's bot received, if the message is a proof. */
    Optional<Nonce> parseProof(String text);

    /** Whether the account the network reports for a sender is the claimed account, by the network's rules. */
    boolean sameAccount(RemoteAccount claimed, String reported);

    /**
     * A key under which accounts that may be the same fall together, for looking them up without scanning:
     * two accounts {@link #sameAccount} calls the same must have equal keys (unequal keys may still be
     * checked and found different). The default, the name itself, suits networks whose accounts are
     * compared exactly.
     */
    default String accountKey(String account) {
        return account;
    }
}
