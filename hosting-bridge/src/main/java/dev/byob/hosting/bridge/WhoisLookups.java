package dev.byob.hosting.bridge;

import dev.byob.protocol.remote.IrcAccountProof.CaseMapping;
import dev.byob.protocol.remote.irc.IrcMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The services account of private-message senders, asked by {@code WHOIS} on a network that does not offer
 * {@code account-tag} (spec §8.2.3, item 2). Sans-IO: {@link #ask} says whether to send a {@code WHOIS}, and
 * {@link #onReply} turns the replies ({@code 330 RPL_WHOISACCOUNT}, then {@code 318 RPL_ENDOFWHOIS}) into the
 * waiting lines, each carrying the {@code account} tag the server would have sent, or none when the sender
 * was not logged in. Weaker than the tag: the nick can change hands before the reply.
 */
final class WhoisLookups {
    /** How many senders may wait for a reply at once; beyond that, lines go on without an account. */
    static final int MAX_PENDING = 64;

    private static final class Lookup {
        final List<IrcMessage> lines = new ArrayList<>();
        String account;
    }

    private final CaseMapping fold;
    private final Map<String, Lookup> pending = new LinkedHashMap<>();

    WhoisLookups(CaseMapping fold) {
        this.fold = Objects.requireNonNull(fold, "fold");
    }

    /** What to do with {@code line}, a private message without an account tag. */
    sealed interface Step {
        /** Send this {@code WHOIS}; the line waits for its reply. */
        record Send(IrcMessage whois) implements Step {
        }

        /** The line waits for a {@code WHOIS} already sent. */
        record Wait() implements Step {
        }

        /** Too many lookups are waiting: handle the line as it is (without an account). */
        record AsIs(IrcMessage line) implements Step {
        }
    }

    /** Queues {@code line} behind a lookup of its sender. */
    Step ask(IrcMessage line) {
        String nick = line.nick().orElseThrow(() -> new IllegalArgumentException("a line without a sender"));
        Lookup lookup = pending.get(fold.fold(nick));
        if (lookup != null) {
            lookup.lines.add(line);
            return new Step.Wait();
        }
        if (pending.size() >= MAX_PENDING) {
            return new Step.AsIs(line);
        }
        lookup = new Lookup();
        lookup.lines.add(line);
        pending.put(fold.fold(nick), lookup);
        return new Step.Send(IrcMessage.of("WHOIS", nick));
    }

    /**
     * Takes a server reply; at the end of a lookup's {@code WHOIS} returns its lines, tagged with the account
     * the {@code 330} named (or untagged); otherwise nothing.
     */
    List<IrcMessage> onReply(IrcMessage reply) {
        if (reply.params().size() < 2 || !(reply.is("330") || reply.is("318"))) {
            return List.of();
        }
        Lookup lookup = pending.get(fold.fold(reply.params().get(1)));
        if (lookup == null) {
            return List.of();
        }
        if (reply.is("330")) {
            Optional<String> account = reply.param(2).filter(a -> !a.isEmpty());
            account.ifPresent(a -> lookup.account = a);
            return List.of();
        }
        pending.remove(fold.fold(reply.params().get(1)));
        List<IrcMessage> out = new ArrayList<>(lookup.lines.size());
        for (IrcMessage line : lookup.lines) {
            Map<String, String> tags = new LinkedHashMap<>(line.tags());
            tags.remove("account"); // only the server's answer counts
            if (lookup.account != null) {
                tags.put("account", lookup.account);
            }
            out.add(line.withTags(tags));
        }
        return out;
    }
}
