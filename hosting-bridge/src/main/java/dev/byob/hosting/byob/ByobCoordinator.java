package dev.byob.hosting.byob;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.hosting.bridge.BridgeActions;
import dev.byob.kit.irc.Formatting;
import dev.byob.hosting.bridge.ByobHooks;
import dev.byob.hosting.bridge.RelayGate;
import dev.byob.hosting.config.BridgeConfig;
import dev.byob.hosting.config.ByobPolicyConfig;
import dev.byob.hosting.config.IrcNetworkConfig;
import dev.byob.hosting.metrics.Counter;
import dev.byob.hosting.metrics.MetricsRegistry;
import dev.byob.protocol.hosting.FillInLog;
import dev.byob.protocol.hosting.HostingEngine;
import dev.byob.protocol.hosting.HostingJournal;
import dev.byob.protocol.hosting.HostingInput;
import dev.byob.protocol.hosting.HostingOutput;
import dev.byob.protocol.hosting.HostingPolicy;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.message.RelayMarks;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.remote.IrcAccountProof;
import dev.byob.protocol.remote.RemoteProofMethod;
import dev.byob.protocol.remote.irc.IrcMessage;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.trust.TrustRecord;
import dev.byob.protocol.trust.TrustStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hosting bridge's side of byob, driven by the bridge core: it owns the protocol's {@link HostingEngine}
 * and the durable trust store and fill-in log behind it, turns what the core observes into engine inputs,
 * answers the core's {@link RelayGate} questions from the engine, and carries the engine's outputs out
 * through a {@link ByobTransport} (Matrix) and {@link BridgeActions} (the core).
 *
 * <p><b>Threading.</b> Every method is called on the core's single thread, in event order, as the engine
 * requires; nothing here blocks (the transport queues its work). The one asynchronous step, the OpenID check,
 * comes back through the core executor given at construction.
 *
 * <p><b>What the core calls.</b> {@link #onRoomEvent} for every event in a room the bot is in (and for its
 * invites), {@link #onToDevice} for to-device events to the bot, {@link #onBotPrivateMessage} for every
 * PRIVMSG to the bridge's own IRC connection, {@link #caseMapping} when a network's ISUPPORT is known, the
 * {@link RelayGate} methods for every message and membership, and {@link #tick()} at {@link #nextDeadline()}.
 *
 * <p><b>Fill-in and the puppet.</b> While trust is in force the user's puppet stays off the network in every
 * relay mode, also while the lease has lapsed: {@link #puppetWanted} is false. A fill-in of a Matrix message
 * is handed to {@link BridgeActions#relayToRemoteNow} outside the gate call (the core may bring a temporary
 * puppet, or its relay bot, for it); a message that arrives while the lease has lapsed is answered through
 * the gate's return value, which the core treats as it would for an unlinked user. Either way the core relays
 * through a temporary puppet (or its relay bot) and keeps it while the fill-in lasts; on
 * {@code FillInStopped} this coordinator calls {@link BridgeActions#refreshPresence}, and the core quits it,
 * for {@link #puppetWanted} stays false.
 */
public final class ByobCoordinator implements ByobHooks {
    private static final Logger LOG = LoggerFactory.getLogger(ByobCoordinator.class);

    /** How long after a lease ends the hosting bridge waits before filling in, unless configured otherwise. */
    public static final Duration DEFAULT_FILL_IN_GRACE = ByobPolicyConfig.DEFAULT_FILL_IN_GRACE;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final UserId hbBot;
    private final HostingEngine engine;
    private final TrustStore store;
    private final Map<Network, CaseMappedIrcProof> proofs;
    private final Set<UserId> admins;
    private final ByobTransport transport;
    private final BridgeActions actions;
    /** Networks whose bot connection has no message-tags: relays there are matched by text (§12.6). */
    private final Set<Network> unmarkedNetworks = new HashSet<>();
    private final Executor coreExecutor;
    private final Clock clock;
    private final BridgedRoomDirectory rooms;
    /** Lapsed leases: since when, and how many messages were filled in since. */
    private final Map<TrustKey, Lapse> lapses = new HashMap<>();

    private final Counter refused;
    private final Counter ignored;
    private final Counter trustChanges;
    private final Counter relays;
    private final Counter commands;

    private static final class Lapse {
        final Instant since;
        int filledIn;

        Lapse(Instant since) {
            this.since = since;
        }
    }

    /** A message the gate is deciding on now: its relay, if the engine asks for one, is the gate's answer. */
    private record Answering(Lease.Direction direction, String messageId) {}

    /**
     * A coordinator for the hosting bridge whose bot is {@code hbBot}, bridging {@code networks} under
     * {@code byob}'s policy; trust records in force in {@code store} take effect at once.
     *
     * @param coreExecutor runs a task on the core thread (where the OpenID check's result is fed back); it
     *     should queue the task behind the current one rather than run it inline, so that the outputs of one
     *     input are carried out before the next input's
     * @param journal what the engine must remember across a restart: the last heartbeat per record and the
     *     messages still waiting to be observed relayed ({@code SqlHostingJournal} in the bridge's database)
     * @param metrics where the counters of refusals, trust changes and relays are registered
     */
    public ByobCoordinator(UserId hbBot, List<IrcNetworkConfig> networks, ByobPolicyConfig byob, TrustStore store,
                           FillInLog fillInLog, HostingJournal journal, BridgedRoomDirectory rooms, ByobTransport transport,
                           BridgeActions actions, Executor coreExecutor, Clock clock, Random random,
                           MetricsRegistry metrics) {
        this.hbBot = Objects.requireNonNull(hbBot, "hbBot");
        this.store = Objects.requireNonNull(store, "store");
        this.rooms = Objects.requireNonNull(rooms, "rooms");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.actions = Objects.requireNonNull(actions, "actions");
        this.coreExecutor = Objects.requireNonNull(coreExecutor, "coreExecutor");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.admins = Set.copyOf(byob.admins());
        Map<Network, CaseMappedIrcProof> proofs = new LinkedHashMap<>();
        Map<Network, String> bots = new LinkedHashMap<>();
        for (IrcNetworkConfig n : networks) {
            Network network = Network.irc(n.id());
            proofs.put(network, new CaseMappedIrcProof());
            bots.put(network, n.botNick());
        }
        this.proofs = Map.copyOf(proofs);
        HostingPolicy policy = new HostingPolicy(hbBot, bots, Map.<Network, RemoteProofMethod>copyOf(proofs),
                byob.matrixProofMethods(), byob.challengeTtl(), byob.leaseTerms(), byob.fillInGrace(),
                byob.maxInFlight(), byob.maxInFlightPerUser(), byob.requestsPerVb(), byob.requestsPerUser(),
                byob.rateWindow());
        this.engine = new HostingEngine(policy, store, fillInLog, journal, rooms, random, clock.instant());
        this.refused = metrics.counter("byob_hb_refused_total",
                "byob messages refused, by cancel code", "code");
        this.ignored = metrics.counter("byob_hb_ignored_total", "byob inputs ignored");
        this.trustChanges = metrics.counter("byob_hb_trust_changes_total",
                "Trust taking effect or ending, and leases lapsing or coming back", "change");
        this.relays = metrics.counter("byob_hb_relays_total",
                "Messages of linked users relayed by this bridge, by direction and why", "direction", "kind");
        this.commands = metrics.counter("byob_hb_commands_total", "Commands sent to the bridge bot", "command");
        // A crash between recording trust and sending its accept must not strand the visiting bridge (§10.6).
        List<HostingOutput> owed = engine.resendUnconfirmedAccepts();
        if (!owed.isEmpty()) {
            LOG.info("Sending again the accept of {} trust record(s) no heartbeat has confirmed yet", owed.size());
            apply(owed, null);
        }
    }

    /**
     * A coordinator for the bridge {@code config} describes, with a cryptographically strong random source.
     *
     * @see #ByobCoordinator(UserId, List, ByobPolicyConfig, TrustStore, FillInLog, BridgedRoomDirectory,
     *     ByobTransport, BridgeActions, Executor, Clock, Random, MetricsRegistry)
     */
    public static ByobCoordinator create(BridgeConfig config, TrustStore store, FillInLog fillInLog,
                                         HostingJournal journal, BridgedRoomDirectory rooms, ByobTransport transport,
                                         BridgeActions actions, Executor coreExecutor, Clock clock,
                                         MetricsRegistry metrics) {
        return new ByobCoordinator(UserId.parse(config.botUserId()), config.ircNetworks(), config.byob(), store,
                fillInLog, journal, rooms, transport, actions, coreExecutor, clock, new SecureRandom(), metrics);
    }

    /** The engine, for inspection (relay modes, trust in force); feed it only through this coordinator. */
    public HostingEngine engine() {
        return engine;
    }

    /** When {@link #tick()} is next due, if ever; the core schedules it (again after every call here). */
    @Override
    public Optional<Instant> nextDeadline() {
        return engine.deadline();
    }

    /** Time passed: challenges expire, leases lapse, held messages fall due. Call at {@link #nextDeadline()}. */
    @Override
    public void tick() {
        apply(engine.handle(new HostingInput.Tick(), clock.instant()), null);
    }

    /** {@code network} advertised this CASEMAPPING (ISUPPORT): remote accounts are compared by it from now on. */
    @Override
    public void caseMapping(Network network, IrcAccountProof.CaseMapping mapping) {
        CaseMappedIrcProof proof = proofs.get(network);
        if (proof != null) {
            proof.caseMapping(mapping);
        }
    }

    // ---- what the core observes ----

    /**
     * An event (the whole event JSON) in a room the bot is in or invited to. {@code direct} is true when the
     * room is a DM between the bot and the event's sender: they are its only joined members.
     */
    @Override
    public void onRoomEvent(RoomId room, JsonNode event, boolean direct) {
        String type = text(event, "type");
        String senderText = text(event, "sender");
        JsonNode content = event.get("content");
        if (type == null || senderText == null || content == null || !content.isObject()) {
            return;
        }
        UserId sender;
        try {
            sender = UserId.parse(senderText);
        } catch (IllegalArgumentException e) {
            return;
        }
        if (sender.equals(hbBot)) {
            return; // our own echo
        }
        if (type.equals("m.room.member")) {
            membership(room, sender, event, content);
            return;
        }
        if (type.equals(MessageType.MATRIX_PROOF.eventType())) {
            Optional<EventId> eventId = Optional.ofNullable(text(event, "event_id")).flatMap(ByobCoordinator::eventId);
            boolean bridged = rooms.bridges(room);
            String method = direct ? "dm" : "room_event";
            apply(engine.handle(new HostingInput.MatrixProofSeen(method, sender, Optional.of(room), eventId, direct,
                    bridged, content), clock.instant()), null);
            return;
        }
        if (type.startsWith(MessageType.PREFIX)) {
            if (direct) {
                transport.directRoomSeen(room, sender);
            }
            apply(engine.handle(new HostingInput.RoomMessage(room, direct, sender, type, content), clock.instant()),
                    null);
            return;
        }
        if (direct && type.equals("m.room.message") && "m.text".equals(text(content, "msgtype"))) {
            String body = text(content, "body");
            if (body != null) {
                command(room, sender, body);
            }
        }
    }

    private void membership(RoomId room, UserId sender, JsonNode event, JsonNode content) {
        String target = text(event, "state_key");
        String membership = text(content, "membership");
        if (hbBot.value().equals(target) && "invite".equals(membership)
                && content.path("is_direct").asBoolean(false)) {
            transport.joinDirect(room, sender);
        } else if (target != null && target.equals(sender.value())
                && ("leave".equals(membership) || "ban".equals(membership))) {
            transport.directRoomLeft(room, sender);
        }
    }

    /** A to-device event sent to the bot: an {@code org.matrix.msc3647.matrix_proof} by the {@code to_device} method. */
    @Override
    public void onToDevice(JsonNode event) {
        String type = text(event, "type");
        String senderText = text(event, "sender");
        JsonNode content = event.get("content");
        if (!MessageType.MATRIX_PROOF.eventType().equals(type) || senderText == null || content == null) {
            return;
        }
        UserId sender;
        try {
            sender = UserId.parse(senderText);
        } catch (IllegalArgumentException e) {
            return;
        }
        apply(engine.handle(new HostingInput.MatrixProofSeen("to_device", sender, Optional.empty(), Optional.empty(),
                false, false, content), clock.instant()), null);
    }

    /**
     * A PRIVMSG to the bridge's own IRC connection on {@code network}: a remote proof if it carries one. The
     * sender's account is taken from the message's {@code account} tag.
     */
    @Override
    public void onBotPrivateMessage(Network network, IrcMessage message) {
        if (!message.is("PRIVMSG")) {
            return;
        }
        Optional<String> text = message.param(1);
        Optional<String> nick = message.nick();
        if (text.isEmpty() || nick.isEmpty()) {
            return;
        }
        Optional<String> account = message.account().filter(a -> !a.isEmpty() && !a.equals("*"));
        apply(engine.handle(new HostingInput.RemoteMessageSeen(network, nick.get(), account, text.get()),
                clock.instant()), null);
    }

    // ---- the gate ----

    @Override
    public boolean relayToRemote(UserId sender, Network network, RoomId room, JsonNode event) {
        JsonNode content = event.path("content");
        JsonNode source = content.get(RelayMarks.SOURCE_FIELD);
        if (source != null) {
            // A visiting bridge's relay of a remote line, sent as the user: the line is on the network already.
            String msgid = text(source, "msgid");
            if (msgid != null && !msgid.isEmpty()) {
                apply(engine.handle(new HostingInput.RelaySeen(network, Lease.Direction.TO_MATRIX, msgid,
                        sender.value()), clock.instant()), null);
            }
            return false;
        }
        Optional<EventId> eventId = Optional.ofNullable(text(event, "event_id")).flatMap(ByobCoordinator::eventId);
        if (eventId.isEmpty()) {
            return engine.trusted(sender, network).isEmpty(); // nothing to follow it by
        }
        Optional<String> text = Formatting.fromMatrix(content).map(m -> m.text().lines().findFirst().orElse(""));
        if (text.isPresent() && engine.trusted(sender, network).isPresent()) {
            // It may be the visiting bridge's relay of a line without a msgid, which carries no `source` (§12.6).
            return apply(engine.handle(new HostingInput.UnmarkedMessageSeen(sender, network,
                    Lease.Direction.TO_REMOTE, eventId.get().value(), room, text.get(), true), clock.instant()),
                    new Answering(Lease.Direction.TO_REMOTE, eventId.get().value()));
        }
        return apply(engine.handle(new HostingInput.UserMessageSeen(sender, network, Lease.Direction.TO_REMOTE,
                eventId.get().value(), room), clock.instant()),
                new Answering(Lease.Direction.TO_REMOTE, eventId.get().value()));
    }

    @Override
    public void relayMarks(Network network, boolean usable) {
        if (usable ? unmarkedNetworks.remove(network) : unmarkedNetworks.add(network)) {
            LOG.warn("{}: relay marks {}; relays of linked users are {}", network,
                    usable ? "usable again" : "unusable (no message-tags)",
                    usable ? "observed by their marks" : "matched by room, text and time (spec §12.6)");
        }
    }

    @Override
    public boolean relayToMatrix(Network network, String channel, RoomId room, IrcMessage line) {
        return relayToMatrix(network, channel, room, line, line.msgid().orElse(null));
    }

    @Override
    public boolean relayToMatrix(Network network, String channel, RoomId room, IrcMessage line, String messageId) {
        Optional<String> origin = line.tag(RelayMarks.ORIGIN_TAG).filter(o -> !o.isEmpty());
        if (origin.isPresent()) {
            // A relay of a Matrix event: it is on Matrix already; never ghost it. It counts as the user's relay
            // only when the line comes from their account, which the engine checks.
            Optional<String> by = line.account().filter(a -> !a.isEmpty() && !a.equals("*"));
            if (by.isPresent()) {
                apply(engine.handle(new HostingInput.RelaySeen(network, Lease.Direction.TO_REMOTE, origin.get(),
                        by.get()), clock.instant()), null);
            }
            return false;
        }
        Optional<String> account = line.account();
        Optional<TrustRecord> record = account.flatMap(a -> engine.trustedByAccount(network, a));
        if (record.isEmpty()) {
            return true;
        }
        UserId user = record.get().key().userId();
        Optional<String> msgid = line.msgid().filter(m -> !m.isEmpty());
        if (msgid.isPresent() && !unmarkedNetworks.contains(network)) {
            return apply(engine.handle(new HostingInput.UserMessageSeen(user, network, Lease.Direction.TO_MATRIX,
                    msgid.get(), room), clock.instant()), new Answering(Lease.Direction.TO_MATRIX, msgid.get()));
        }
        // No mark to observe a relay by, or no msgid for one to name (§12.6): the engine matches by text.
        Optional<String> text = Formatting.fromIrc(line).map(Formatting.Message::text);
        String id = msgid.orElse(messageId);
        if (text.isEmpty() || id == null) {
            return false; // nothing the visiting bridge relays either
        }
        return apply(engine.handle(new HostingInput.UnmarkedMessageSeen(user, network, Lease.Direction.TO_MATRIX,
                id, room, text.get(), msgid.isPresent()), clock.instant()),
                new Answering(Lease.Direction.TO_MATRIX, id));
    }

    @Override
    public boolean puppetWanted(UserId user, Network network) {
        return engine.trusted(user, network).isEmpty();
    }

    @Override
    public boolean ghostWanted(Network network, String nick, String account) {
        return account == null || engine.trustedByAccount(network, account).isEmpty();
    }

    // ---- the engine's outputs ----

    /** Carries out {@code outputs} in order; true if one of them relays {@code answering} (then not handed on). */
    private boolean apply(List<HostingOutput> outputs, Answering answering) {
        boolean relayHere = false;
        for (HostingOutput out : outputs) {
            if (out instanceof HostingOutput.Send send) {
                transport.sendToVisitingBridge(send.to(), send.type().eventType(), send.content(), send.clientTxnId());
            } else if (out instanceof HostingOutput.VerifyOpenId verify) {
                verifyOpenId(verify);
            } else if (out instanceof HostingOutput.StepAside aside) {
                TrustRecord r = aside.record();
                LOG.info("Trust in force for {} on {} as {}: {} (epoch {}); stepping aside", r.key().userId(),
                        r.key().network(), r.remoteAccount().name(), r.vb().bot(), r.epoch());
                trustChanges.labels("step_aside").inc();
                lapses.remove(r.key());
                actions.refreshPresence(r.key().userId(), r.key().network(), r.remoteAccount().name());
            } else if (out instanceof HostingOutput.StepBackIn back) {
                TrustRecord r = back.ended();
                LOG.info("Trust ended for {} on {} (epoch {}, {}); stepping back in", r.key().userId(),
                        r.key().network(), r.epoch(), r.ended().map(e -> e.code().toString()).orElse("?"));
                trustChanges.labels("step_back_in").inc();
                lapses.remove(r.key());
                actions.refreshPresence(r.key().userId(), r.key().network(), r.remoteAccount().name());
            } else if (out instanceof HostingOutput.FillInStarted started) {
                TrustRecord r = started.record();
                LOG.info("The lease of {} for {} on {} lapsed; filling in", r.vb().bot(), r.key().userId(),
                        r.key().network());
                trustChanges.labels("fill_in_started").inc();
                lapses.put(r.key(), new Lapse(clock.instant()));
            } else if (out instanceof HostingOutput.FillInStopped stopped) {
                TrustRecord r = stopped.record();
                LOG.info("{} is back for {} on {}; no more filling in", r.vb().bot(), r.key().userId(),
                        r.key().network());
                trustChanges.labels("fill_in_stopped").inc();
                lapses.remove(r.key());
                // A temporary puppet that relayed the fill-ins quits now: the gate still does not want it.
                actions.refreshPresence(r.key().userId(), r.key().network(), r.remoteAccount().name());
            } else if (out instanceof HostingOutput.Relay relay) {
                relayHere |= relay(relay, answering);
            } else if (out instanceof HostingOutput.NotifyUser notify) {
                transport.notifyUser(notify.user(), notify.text());
            } else if (out instanceof HostingOutput.Refused r) {
                LOG.info("Refused a byob message from {} ({}): {} {}", r.sender(),
                        r.txnId().map(Object::toString).orElse("no txn_id"), r.code(), r.reason());
                String code = r.code().value();
                refused.labels(code.startsWith(MessageType.PREFIX) ? code.substring(MessageType.PREFIX.length()) : code)
                        .inc();
            } else if (out instanceof HostingOutput.Ignored i) {
                LOG.debug("Ignored: {}", i.reason());
                ignored.inc();
            }
        }
        return relayHere;
    }

    private boolean relay(HostingOutput.Relay relay, Answering answering) {
        String direction = relay.direction().wire();
        if (relay.fillSeq().isPresent()) {
            Lapse lapse = lapses.get(new TrustKey(hbBot, relay.user(), relay.network()));
            if (lapse != null) {
                lapse.filledIn++;
            }
        }
        String kind = relay.fillSeq().isPresent() ? "fill_in" : "unlinked";
        if (answering != null && answering.direction() == relay.direction()
                && answering.messageId().equals(relay.messageId())) {
            relays.labels(direction, kind).inc();
            return true;
        }
        relays.labels(direction, relay.fillSeq().isPresent() ? "fill_in" : "held").inc();
        if (relay.direction() == Lease.Direction.TO_REMOTE) {
            actions.relayToRemoteNow(relay.user(), relay.network(), relay.room(), EventId.parse(relay.messageId()));
        } else {
            actions.relayToMatrixNow(relay.network(), relay.room(), relay.messageId());
        }
        return false;
    }

    private void verifyOpenId(HostingOutput.VerifyOpenId verify) {
        transport.checkOpenId(verify.token().matrixServerName(), verify.token().accessToken())
                .whenComplete((subject, failure) -> coreExecutor.execute(() -> {
                    HostingInput.OpenIdChecked checked = failure == null
                            ? new HostingInput.OpenIdChecked(verify.txnId(), verify.expected(), subject,
                                    subject.isPresent() ? "" : "the homeserver rejected the token")
                            : new HostingInput.OpenIdChecked(verify.txnId(), verify.expected(), Optional.empty(),
                                    "the homeserver could not be asked: " + failure.getMessage());
                    apply(engine.handle(checked, clock.instant()), null);
                }));
    }

    // ---- commands (§13.4) ----

    private static final String HELP = String.join("\n",
            "Commands (send them here; a leading ! is optional):",
            "  help — this list",
            "  status — which visiting bridge bridges you, since when, how it proved it, and its lease",
            "  revoke — end every link: this bridge relays for you again",
            "  revoke <protocol>/<network> — end the link on one network, e.g. revoke irc/libera",
            "  bridge <room> <network> <#channel> — bridge a room you administer to a channel (invite me first),",
            "      e.g. bridge #ours:example.org libera #ours",
            "  unbridge <room> — end a bridge made this way");
    private static final String ADMIN_HELP = String.join("\n",
            "Admin commands:",
            "  trust list — every trust record in force",
            "  trust show @user:server — that user's trust records",
            "  trust revoke @user:server [<protocol>/<network>] — end that user's links");

    private void command(RoomId room, UserId sender, String body) {
        String line = body.strip();
        if (line.startsWith("!")) {
            line = line.substring(1).strip();
        }
        String[] words = line.isEmpty() ? new String[0] : line.split("\\s+");
        if (words.length == 0) {
            return;
        }
        String verb = words[0].toLowerCase(Locale.ROOT);
        boolean admin = admins.contains(sender);
        switch (verb) {
            case "help" -> {
                commands.labels("help").inc();
                transport.reply(room, admin ? HELP + "\n" + ADMIN_HELP : HELP);
            }
            case "status" -> {
                commands.labels("status").inc();
                transport.reply(room, status(sender));
            }
            case "revoke" -> {
                commands.labels("revoke").inc();
                Optional<Network> network = Optional.empty();
                if (words.length > 1) {
                    network = network(words[1]);
                    if (network.isEmpty()) {
                        transport.reply(room, "'" + words[1] + "' is not a network; name it as <protocol>/<id>, e.g. "
                                + "irc/libera.");
                        return;
                    }
                }
                apply(engine.handle(new HostingInput.UserRevoke(sender, network), clock.instant()), null);
            }
            case "bridge" -> {
                commands.labels("bridge").inc();
                if (words.length != 4) {
                    transport.reply(room, "Usage: bridge <room id or alias> <network> <#channel>, e.g. "
                            + "bridge #ours:example.org libera #ours");
                    return;
                }
                transport.reply(room, actions.bridgeRoom(sender, words[1], words[2], words[3]));
            }
            case "unbridge" -> {
                commands.labels("unbridge").inc();
                if (words.length != 2) {
                    transport.reply(room, "Usage: unbridge <room id or alias>");
                    return;
                }
                transport.reply(room, actions.unbridgeRoom(sender, words[1]));
            }
            case "trust" -> {
                if (!admin) {
                    transport.reply(room, "Only this bridge's admins may use 'trust'. Send 'help' for your commands.");
                    return;
                }
                commands.labels("trust").inc();
                trustCommand(room, sender, words);
            }
            default -> transport.reply(room, "Unknown command '" + words[0] + "'. Send 'help' for the commands.");
        }
    }

    private void trustCommand(RoomId room, UserId admin, String[] words) {
        String sub = words.length > 1 ? words[1].toLowerCase(Locale.ROOT) : "";
        switch (sub) {
            case "list" -> {
                List<TrustRecord> active = new ArrayList<>();
                for (TrustRecord r : store.all()) {
                    if (r.active() && r.key().hbBot().equals(hbBot)) {
                        active.add(r);
                    }
                }
                active.sort(Comparator.comparing((TrustRecord r) -> r.key().userId().value())
                        .thenComparing(r -> r.key().network().toString()));
                if (active.isEmpty()) {
                    transport.reply(room, "No trust record is in force.");
                    return;
                }
                StringBuilder text = new StringBuilder(active.size() + " trust record(s) in force:");
                for (TrustRecord r : active) {
                    text.append("\n").append(r.key().userId()).append(" ").append(describe(r));
                }
                transport.reply(room, text.toString());
            }
            case "show" -> {
                Optional<UserId> user = words.length > 2 ? user(words[2]) : Optional.empty();
                if (user.isEmpty()) {
                    transport.reply(room, "Usage: trust show @user:server");
                    return;
                }
                List<String> lines = new ArrayList<>();
                for (TrustRecord r : store.all()) {
                    if (r.key().userId().equals(user.get()) && r.key().hbBot().equals(hbBot)) {
                        lines.add(r.active() ? describe(r) : r.key().network() + ": epoch " + r.epoch() + " with "
                                + r.vb().bot() + ", ended " + r.ended().get().code() + " at "
                                + TIME.format(r.ended().get().at()));
                    }
                }
                transport.reply(room, lines.isEmpty() ? "No trust record for " + user.get() + "."
                        : user.get() + ":\n" + String.join("\n", lines));
            }
            case "revoke" -> {
                Optional<UserId> user = words.length > 2 ? user(words[2]) : Optional.empty();
                Optional<Network> network = words.length > 3 ? network(words[3]) : Optional.empty();
                if (user.isEmpty() || (words.length > 3 && network.isEmpty())) {
                    transport.reply(room, "Usage: trust revoke @user:server [<protocol>/<network>]");
                    return;
                }
                LOG.info("{} ends the trust of {} on {}", admin, user.get(),
                        network.map(Network::toString).orElse("every network"));
                boolean any = proofs.keySet().stream().filter(n -> network.map(n::equals).orElse(true))
                        .anyMatch(n -> engine.trusted(user.get(), n).isPresent());
                apply(engine.handle(new HostingInput.OperatorRevoke(user.get(), network), clock.instant()), null);
                transport.reply(room, any ? "Ended the trust of " + user.get() + "." : "No trust in force for "
                        + user.get() + ".");
            }
            default -> transport.reply(room, ADMIN_HELP);
        }
    }

    private String status(UserId user) {
        List<String> lines = new ArrayList<>();
        for (Network network : proofs.keySet()) {
            Optional<TrustRecord> record = engine.trusted(user, network);
            record.ifPresent(r -> lines.add(describe(r)));
        }
        if (lines.isEmpty()) {
            return "No visiting bridge bridges you here: " + hbBot + " relays for you on every network.";
        }
        return String.join("\n", lines);
    }

    /** One record in force, as §13.4's status shows it. */
    private String describe(TrustRecord r) {
        StringBuilder text = new StringBuilder();
        text.append(r.key().network()).append(": account ").append(r.remoteAccount().name())
                .append(", visiting bridge ").append(r.vb().bot()).append(" (").append(r.vb().key().keyId())
                .append("), epoch ").append(r.epoch()).append(" since ").append(TIME.format(r.establishedAt()))
                .append(", proven by ").append(r.matrixProofMethod()).append(" and ").append(r.remoteProofMethod())
                .append(", lease ");
        HostingEngine.RelayMode mode = engine.relayMode(r.key().userId(), r.key().network());
        Lapse lapse = lapses.get(r.key());
        if (mode == HostingEngine.RelayMode.FILLING_IN) {
            text.append("lapsed");
            if (lapse != null) {
                text.append(" since ").append(TIME.format(lapse.since)).append(", ").append(lapse.filledIn)
                        .append(lapse.filledIn == 1 ? " message" : " messages").append(" filled in");
            }
        } else {
            text.append("live");
        }
        return text.toString();
    }

    // ---- helpers ----

    private static Optional<Network> network(String text) {
        int slash = text.indexOf('/');
        if (slash <= 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Network(text.substring(0, slash), text.substring(slash + 1)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Optional<UserId> user(String text) {
        try {
            return Optional.of(UserId.parse(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Optional<EventId> eventId(String text) {
        try {
            return Optional.of(EventId.parse(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }
}
