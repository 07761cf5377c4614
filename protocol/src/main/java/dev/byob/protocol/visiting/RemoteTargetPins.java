package dev.byob.protocol.visiting;

import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.remote.IrcAccountProof;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The remote-proof targets a visiting bridge was given, pinned per hosting bridge bot and network the first time
 * (spec §2.3). A challenge from a different bot naming a target already pinned to another bot is refused: a rogue
 * hosting bridge could otherwise relay another bridge's challenge and have the user's remote proof sent to that
 * other bridge's IRC bot on its behalf (§14, "relayed remote proof").
 *
 * <p>Targets on {@code irc} networks compare by the {@code rfc1459} case mapping (the widest of IRC's mappings, so
 * no spelling of a pinned nick slips through); others compare exactly. Not thread-safe.
 */
public final class RemoteTargetPins {

    /** One pin: {@code hbBot} named {@code target} on {@code network} first. */
    public record Pin(UserId hbBot, Network network, String target) {
        /** Checks for null. */
        public Pin {
            Objects.requireNonNull(hbBot, "hbBot");
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(target, "target");
        }
    }

    /** What a challenge's target means against the pins. */
    public sealed interface Verdict {
        /** The first target of this bot on this network, free of other bots: pin it (durably) and go on. */
        record NewPin(Pin pin) implements Verdict {}

        /** Nothing to pin: this bot's pin stands, and no other bot holds the target. */
        record Known() implements Verdict {}

        /** Refuse: {@code owner} holds the target. */
        record PinnedToOther(UserId owner) implements Verdict {}
    }

    private final Map<Key, Pin> byBot = new LinkedHashMap<>();

    private record Key(UserId hbBot, Network network) {}

    /** Restores a pin recorded earlier (a pin already held for that bot and network stays). */
    public void restore(Pin pin) {
        byBot.putIfAbsent(new Key(pin.hbBot(), pin.network()), pin);
    }

    /** The pin of {@code hbBot} on {@code network}, if any. */
    public Optional<Pin> pinOf(UserId hbBot, Network network) {
        return Optional.ofNullable(byBot.get(new Key(hbBot, network)));
    }

    /**
     * Judges a challenge from {@code hbBot} on {@code network} naming {@code target}, and pins it when it is the
     * bot's first. Nothing is pinned when the verdict is {@link Verdict.PinnedToOther}.
     */
    public Verdict check(UserId hbBot, Network network, String target) {
        Objects.requireNonNull(hbBot, "hbBot");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(target, "target");
        String folded = fold(network, target);
        for (Pin p : byBot.values()) {
            if (!p.hbBot().equals(hbBot) && p.network().equals(network) && fold(network, p.target()).equals(folded)) {
                return new Verdict.PinnedToOther(p.hbBot());
            }
        }
        Key key = new Key(hbBot, network);
        if (byBot.containsKey(key)) {
            return new Verdict.Known();
        }
        Pin pin = new Pin(hbBot, network, target);
        byBot.put(key, pin);
        return new Verdict.NewPin(pin);
    }

    private static String fold(Network network, String target) {
        return "irc".equals(network.protocol()) ? IrcAccountProof.CaseMapping.RFC1459.fold(target) : target;
    }
}
