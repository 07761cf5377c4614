package dev.byob.hosting.byob;

import dev.byob.protocol.id.Nonce;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.remote.IrcAccountProof;
import dev.byob.protocol.remote.RemoteProofMethod;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code irc.account_privmsg} comparing accounts by the CASEMAPPING its network advertises, which is
 * known only once the bridge's connection has registered (ISUPPORT); {@code rfc1459}, IRC's default, until
 * then. {@link #caseMapping(IrcAccountProof.CaseMapping)} may be called from any thread.
 */
public final class CaseMappedIrcProof implements RemoteProofMethod {
    private volatile IrcAccountProof proof = new IrcAccountProof(IrcAccountProof.CaseMapping.RFC1459);
    private volatile IrcAccountProof.CaseMapping caseMapping = IrcAccountProof.CaseMapping.RFC1459;

    /** The network advertised this CASEMAPPING. */
    public void caseMapping(IrcAccountProof.CaseMapping mapping) {
        Objects.requireNonNull(mapping, "mapping");
        this.proof = new IrcAccountProof(mapping);
        this.caseMapping = mapping;
    }

    /** The CASEMAPPING accounts are compared by. */
    public IrcAccountProof.CaseMapping caseMapping() {
        return caseMapping;
    }

    @Override
    public String name() {
        return proof.name();
    }

    @Override
    public String proofText(Nonce nonce) {
        return proof.proofText(nonce);
    }

    @Override
    public Optional<Nonce> parseProof(String text) {
        return proof.parseProof(text);
    }

    @Override
    public String accountKey(String account) {
        return proof.accountKey(account);
    }

    @Override
    public boolean sameAccount(RemoteAccount claimed, String reported) {
        return proof.sameAccount(claimed, reported);
    }
}
