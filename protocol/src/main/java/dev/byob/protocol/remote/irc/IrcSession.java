package dev.byob.protocol.remote.irc;

import dev.byob.protocol.Transition;
import dev.byob.protocol.remote.IrcAccountProof.CaseMapping;
import dev.byob.protocol.remote.irc.IrcOutput.Event;
import dev.byob.protocol.remote.irc.IrcOutput.Failed;
import dev.byob.protocol.remote.irc.IrcOutput.Registered;
import dev.byob.protocol.remote.irc.IrcOutput.SaslFailed;
import dev.byob.protocol.remote.irc.IrcOutput.SendLine;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One IRC client connection's registration and bookkeeping, as a pure state machine: no sockets,
 * threads or clocks. {@link #start} gives the first lines to send; each line received goes to
 * {@link #receive}, which returns the next session and what to do, in order ({@link IrcOutput}).
 * Sessions are immutable: keep the newest.
 *
 * <p>Registration follows IRCv3: {@code CAP LS 302}, {@code NICK} and {@code USER}; then
 * {@code CAP REQ} for the wanted capabilities the server offers; then, with credentials, SASL
 * {@code PLAIN} ({@code AUTHENTICATE}, the response in 400-byte chunks); then {@code CAP END}, and
 * {@link Registered} on {@code 001}. Along the way it answers {@code PING}, tries other nicks on
 * {@code 433}, and records the enabled capabilities, the services account (900/901) and
 * {@code ISUPPORT} (005). A failed SASL login gives {@link SaslFailed}; if SASL was required the
 * session then quits and fails ({@link Failed}) rather than registering without the account. After
 * registration every received line is passed on as an {@link Event}.
 *
 * <pre>{@code
 * Transition<IrcSession, IrcOutput> t = IrcSession.start(IrcSessionConfig.of("alice").withSasl(credentials));
 * IrcSession session = t.state();
 * send(t.outputs());
 * // for each line read:
 * t = session.receive(IrcMessage.parse(line));
 * session = t.state();
 * handle(t.outputs());   // SendLine, Registered, SaslFailed, Failed, Event
 * }</pre>
 */
public final class IrcSession {
    /** SASL data is sent in pieces of this many bytes of base64. */
    static final int AUTHENTICATE_CHUNK = 400;
    /** Capability requests are grouped so that each {@code CAP REQ} list stays within this many bytes. */
    static final int CAP_REQ_LIST_BYTES = 400;

    /** Where the connection stands. */
    public enum Phase {
        /** {@code CAP LS} sent; collecting the server's capabilities. */
        LISTING_CAPABILITIES,
        /** {@code CAP REQ} sent; waiting for {@code ACK} or {@code NAK}. */
        REQUESTING_CAPABILITIES,
        /** The SASL exchange is under way. */
        AUTHENTICATING,
        /** {@code CAP END} sent (or no capability negotiation); waiting for {@code 001}. */
        REGISTERING,
        /** Registered: lines go to the bridge as {@link Event}s. */
        REGISTERED,
        /** Failed; nothing more happens. */
        FAILED
    }

    private enum Sasl { NONE, PENDING, AWAITING_CHALLENGE, AWAITING_RESULT, SUCCEEDED, FAILED }

    private final IrcSessionConfig config;
    private final Phase phase;
    private final String nick;
    private final int nickAttempt;
    private final Map<String, String> offered;
    private final Set<String> enabled;
    private final int pendingRequests;
    private final Sasl sasl;
    private final Optional<String> saslMechanisms;
    private final Optional<String> account;
    private final Isupport isupport;
    private final boolean quitting;

    private IrcSession(IrcSessionConfig config, Phase phase, String nick, int nickAttempt, Map<String, String> offered,
                       Set<String> enabled, int pendingRequests, Sasl sasl, Optional<String> saslMechanisms,
                       Optional<String> account, Isupport isupport, boolean quitting) {
        this.config = config;
        this.phase = phase;
        this.nick = nick;
        this.nickAttempt = nickAttempt;
        this.offered = Collections.unmodifiableMap(new LinkedHashMap<>(offered));
        this.enabled = Collections.unmodifiableSet(new LinkedHashSet<>(enabled));
        this.pendingRequests = pendingRequests;
        this.sasl = sasl;
        this.saslMechanisms = saslMechanisms;
        this.account = account;
        this.isupport = isupport;
        this.quitting = quitting;
    }

    /** A new session and its first lines: {@code CAP LS 302}, {@code NICK}, {@code USER}. */
    public static Transition<IrcSession, IrcOutput> start(IrcSessionConfig config) {
        Objects.requireNonNull(config, "config");
        IrcSession initial = new IrcSession(config, Phase.LISTING_CAPABILITIES, config.nick(), 0, Map.of(), Set.of(),
                0, config.sasl().isPresent() ? Sasl.PENDING : Sasl.NONE, Optional.empty(), Optional.empty(),
                Isupport.empty(), false);
        Step step = initial.new Step();
        step.send(IrcMessage.of("CAP", "LS", "302"));
        step.send(IrcMessage.of("NICK", config.nick()));
        step.send(IrcMessage.of("USER", config.username(), "0", "*", config.realname()));
        return step.done();
    }

    /** Feeds one received line. */
    public Transition<IrcSession, IrcOutput> receive(IrcMessage message) {
        Objects.requireNonNull(message, "message");
        if (phase == Phase.FAILED) {
            return Transition.stay(this);
        }
        Step step = new Step();
        step.receive(message);
        return step.done();
    }

    /** Sends {@code QUIT}; a later {@code ERROR} from the server is then expected and not a failure. */
    public Transition<IrcSession, IrcOutput> quit(String reason) {
        Objects.requireNonNull(reason, "reason");
        if (phase == Phase.FAILED || quitting) {
            return Transition.stay(this);
        }
        Step step = new Step();
        step.send(IrcMessage.of("QUIT", reason));
        step.quitting = true;
        return step.done();
    }

    /** The configuration. */
    public IrcSessionConfig config() {
        return config;
    }

    /** Where registration stands. */
    public Phase phase() {
        return phase;
    }

    /** Whether {@code 001} arrived and the session has not failed. */
    public boolean isRegistered() {
        return phase == Phase.REGISTERED;
    }

    /** Whether {@link #quit} was called. */
    public boolean isQuitting() {
        return quitting;
    }

    /** The current nick: the one the server gave, or before registration the one last asked for. */
    public String nick() {
        return nick;
    }

    /** Whether {@code name} is this connection's nick, by the network's case mapping. */
    public boolean isMe(String name) {
        return name != null && caseMapping().fold(name).equals(caseMapping().fold(nick));
    }

    /** The network's case mapping ({@code rfc1459} until ISUPPORT says otherwise). */
    public CaseMapping caseMapping() {
        return isupport.caseMapping();
    }

    /** The capabilities enabled on this connection. */
    public Set<String> capabilities() {
        return enabled;
    }

    /** The capabilities the server offers, with their values ({@code ""} for none). */
    public Map<String, String> offeredCapabilities() {
        return offered;
    }

    /** The services account this connection is logged in to, if any. */
    public Optional<String> account() {
        return account;
    }

    /** What the server advertised in ISUPPORT (005). */
    public Isupport isupport() {
        return isupport;
    }

    @Override
    public String toString() {
        return "IrcSession[" + phase + ", nick=" + nick + ", capabilities=" + enabled
                + account.map(a -> ", account=" + a).orElse("") + (quitting ? ", quitting" : "") + "]";
    }

    /** One step: mutable copies of the fields, the outputs so far, and the rules. */
    private final class Step {
        private final List<IrcOutput> out = new ArrayList<>();
        private Phase phase = IrcSession.this.phase;
        private String nick = IrcSession.this.nick;
        private int nickAttempt = IrcSession.this.nickAttempt;
        private final Map<String, String> offered = new LinkedHashMap<>(IrcSession.this.offered);
        private final Set<String> enabled = new LinkedHashSet<>(IrcSession.this.enabled);
        private int pendingRequests = IrcSession.this.pendingRequests;
        private Sasl sasl = IrcSession.this.sasl;
        private Optional<String> saslMechanisms = IrcSession.this.saslMechanisms;
        private Optional<String> account = IrcSession.this.account;
        private Isupport isupport = IrcSession.this.isupport;
        private boolean quitting = IrcSession.this.quitting;

        Transition<IrcSession, IrcOutput> done() {
            return new Transition<>(new IrcSession(config, phase, nick, nickAttempt, offered, enabled, pendingRequests,
                    sasl, saslMechanisms, account, isupport, quitting), out);
        }

        void send(IrcMessage message) {
            out.add(SendLine.of(message));
        }

        void receive(IrcMessage m) {
            if (m.is("PING")) {
                send(IrcMessage.of("PONG", m.params()));
                if (phase == Phase.REGISTERED) {
                    out.add(new Event(m));
                }
                return;
            }
            if (m.is("ERROR")) {
                if (phase == Phase.REGISTERED) {
                    out.add(new Event(m));
                }
                if (!quitting) {
                    phase = Phase.FAILED;
                    out.add(new Failed(IrcFailure.CLOSED_BY_SERVER,
                            "the server closed the link: " + m.trailing().orElse("")));
                }
                return;
            }
            accountAndIsupport(m);
            if (phase == Phase.REGISTERED) {
                registered(m);
                out.add(new Event(m));
                return;
            }
            // Before registration.
            switch (m.command()) {
                case IrcNumerics.RPL_WELCOME -> welcome(m);
                case IrcNumerics.ERR_NICKNAMEINUSE, IrcNumerics.ERR_NICKCOLLISION -> nickInUse();
                case IrcNumerics.ERR_ERRONEUSNICKNAME -> quitAndFail(IrcFailure.NICK_INVALID,
                        "the server refuses the nick " + m.param(1).orElse(nick) + ": " + m.trailing().orElse(""));
                default -> {
                    switch (phase) {
                        case LISTING_CAPABILITIES -> listing(m);
                        case REQUESTING_CAPABILITIES -> requesting(m);
                        case AUTHENTICATING -> authenticating(m);
                        default -> {
                            // REGISTERING: server notices and late SASL numerics; nothing to do.
                        }
                    }
                }
            }
        }

        private void accountAndIsupport(IrcMessage m) {
            switch (m.command()) {
                case IrcNumerics.RPL_LOGGEDIN -> m.param(2).ifPresent(a -> account = Optional.of(a));
                case IrcNumerics.RPL_LOGGEDOUT -> account = Optional.empty();
                case IrcNumerics.RPL_ISUPPORT -> {
                    if (m.params().size() > 2) {
                        isupport = isupport.with(m.params().subList(1, m.params().size() - 1));
                    }
                }
                default -> {
                }
            }
        }

        private void listing(IrcMessage m) {
            if (!isCap(m, "LS")) {
                return;
            }
            offered.putAll(capabilityList(m.trailing().orElse("")));
            if (!isContinuation(m)) {
                negotiate();
            }
        }

        private void negotiate() {
            List<String> request = new ArrayList<>();
            for (String cap : config.capabilities()) {
                if (offered.containsKey(cap) && !request.contains(cap)) {
                    request.add(cap);
                }
            }
            if (sasl == Sasl.PENDING) {
                if (!offered.containsKey("sasl")) {
                    if (!saslFailed(SaslFailure.NOT_OFFERED, Optional.empty(),
                            "the server does not offer the sasl capability")) {
                        return;
                    }
                } else if (!offersPlain(offered.get("sasl"))) {
                    if (!saslFailed(SaslFailure.MECHANISM_UNAVAILABLE, Optional.empty(),
                            "the server offers SASL mechanisms " + offered.get("sasl"))) {
                        return;
                    }
                } else if (!request.contains("sasl")) {
                    request.add("sasl");
                }
            }
            if (request.isEmpty()) {
                endCapabilities();
                return;
            }
            List<String> groups = groups(request);
            groups.forEach(g -> send(IrcMessage.of("CAP", "REQ", g)));
            pendingRequests = groups.size();
            phase = Phase.REQUESTING_CAPABILITIES;
        }

        private void requesting(IrcMessage m) {
            if (isCap(m, "ACK")) {
                applyAck(m.trailing().orElse(""));
                if (!isContinuation(m)) {
                    pendingRequests--;
                }
            } else if (isCap(m, "NAK")) {
                pendingRequests--;
            } else {
                return;
            }
            if (pendingRequests <= 0) {
                pendingRequests = 0;
                afterCapabilities();
            }
        }

        private void afterCapabilities() {
            if (sasl == Sasl.PENDING) {
                if (enabled.contains("sasl")) {
                    send(IrcMessage.of("AUTHENTICATE", "PLAIN"));
                    sasl = Sasl.AWAITING_CHALLENGE;
                    phase = Phase.AUTHENTICATING;
                    return;
                }
                if (!saslFailed(SaslFailure.NOT_OFFERED, Optional.empty(),
                        "the server refused the sasl capability")) {
                    return;
                }
            }
            endCapabilities();
        }

        private void authenticating(IrcMessage m) {
            if (m.is("AUTHENTICATE")) {
                String challenge = m.param(0).orElse("");
                if (sasl == Sasl.AWAITING_CHALLENGE && challenge.equals("+")) {
                    sendResponse(config.sasl().orElseThrow().encodedResponse());
                    sasl = Sasl.AWAITING_RESULT;
                    return;
                }
                send(IrcMessage.of("AUTHENTICATE", "*"));
                if (saslFailed(SaslFailure.UNEXPECTED_REPLY, Optional.empty(),
                        "the server sent AUTHENTICATE " + challenge + " where PLAIN expects an empty challenge")) {
                    endCapabilities();
                }
                return;
            }
            String text = m.trailing().orElse("");
            switch (m.command()) {
                case IrcNumerics.RPL_SASLSUCCESS, IrcNumerics.ERR_SASLALREADY -> {
                    sasl = Sasl.SUCCEEDED;
                    if (account.isEmpty()) {
                        account = Optional.of(config.sasl().orElseThrow().account());
                    }
                    endCapabilities();
                }
                case IrcNumerics.RPL_SASLMECHS -> saslMechanisms = m.param(1);
                case IrcNumerics.ERR_SASLFAIL -> {
                    SaslFailure reason = saslMechanisms.isPresent() && !offersPlain(saslMechanisms.get())
                            ? SaslFailure.MECHANISM_UNAVAILABLE : SaslFailure.CREDENTIALS_REJECTED;
                    saslNumeric(reason, m, text);
                }
                case IrcNumerics.ERR_NICKLOCKED -> saslNumeric(SaslFailure.ACCOUNT_UNAVAILABLE, m, text);
                case IrcNumerics.ERR_SASLTOOLONG -> saslNumeric(SaslFailure.MESSAGE_TOO_LONG, m, text);
                case IrcNumerics.ERR_SASLABORTED -> saslNumeric(SaslFailure.ABORTED, m, text);
                default -> {
                }
            }
        }

        private void saslNumeric(SaslFailure reason, IrcMessage m, String text) {
            if (saslFailed(reason, Optional.of(m.command()), text)) {
                endCapabilities();
            }
        }

        /** Sends the response in 400-byte pieces; a final full piece is followed by {@code +}. */
        private void sendResponse(String base64) {
            for (int i = 0; i < base64.length(); i += AUTHENTICATE_CHUNK) {
                String piece = base64.substring(i, Math.min(base64.length(), i + AUTHENTICATE_CHUNK));
                out.add(new SendLine(IrcMessage.of("AUTHENTICATE", piece), true));
            }
            if (base64.isEmpty() || base64.length() % AUTHENTICATE_CHUNK == 0) {
                out.add(new SendLine(IrcMessage.of("AUTHENTICATE", "+"), true));
            }
        }

        /**
         * Reports a SASL failure; when SASL is required, quits and fails too.
         *
         * @return whether registration goes on (without an account)
         */
        private boolean saslFailed(SaslFailure reason, Optional<String> numeric, String detail) {
            sasl = Sasl.FAILED;
            String account = config.sasl().orElseThrow().account();
            SaslFailed failed = new SaslFailed(reason, numeric, account, detail);
            out.add(failed);
            if (config.saslRequired()) {
                quitAndFail(IrcFailure.SASL_FAILED, failed.describe());
                return false;
            }
            return true;
        }

        private void endCapabilities() {
            send(IrcMessage.of("CAP", "END"));
            phase = Phase.REGISTERING;
        }

        private void welcome(IrcMessage m) {
            if (sasl != Sasl.NONE && sasl != Sasl.SUCCEEDED && sasl != Sasl.FAILED) {
                // The server registered us without negotiating capabilities: it has no SASL.
                if (!saslFailed(SaslFailure.NOT_OFFERED, Optional.empty(),
                        "the server does not negotiate capabilities")) {
                    return;
                }
            }
            nick = m.param(0).orElse(nick);
            phase = Phase.REGISTERED;
            pendingRequests = 0;
            out.add(new Registered(nick, enabled, account));
        }

        private void nickInUse() {
            int next = nickAttempt + 1;
            if (next >= config.maxNickAttempts()) {
                List<String> tried = new ArrayList<>();
                for (int i = 0; i <= nickAttempt; i++) {
                    tried.add(config.nickCandidate(i));
                }
                quitAndFail(IrcFailure.NICK_UNAVAILABLE, "every nick tried is in use: " + String.join(", ", tried));
                return;
            }
            nickAttempt = next;
            nick = config.nickCandidate(next);
            send(IrcMessage.of("NICK", nick));
        }

        private void registered(IrcMessage m) {
            if (m.is("NICK") && m.nick().map(this::isMe).orElse(false)) {
                m.param(0).ifPresent(n -> nick = n);
            } else if (isCap(m, "ACK")) {
                applyAck(m.trailing().orElse(""));
            } else if (isCap(m, "NEW")) {
                Map<String, String> added = capabilityList(m.trailing().orElse(""));
                offered.putAll(added);
                List<String> wanted = new ArrayList<>();
                for (String cap : config.capabilities()) {
                    if (added.containsKey(cap) && !enabled.contains(cap) && !wanted.contains(cap)) {
                        wanted.add(cap);
                    }
                }
                groups(wanted).forEach(g -> send(IrcMessage.of("CAP", "REQ", g)));
            } else if (isCap(m, "DEL")) {
                for (String cap : capabilityList(m.trailing().orElse("")).keySet()) {
                    offered.remove(cap);
                    enabled.remove(cap);
                }
            }
        }

        private boolean isMe(String name) {
            CaseMapping mapping = isupport.caseMapping();
            return mapping.fold(name).equals(mapping.fold(nick));
        }

        private void applyAck(String list) {
            for (String cap : list.trim().split(" +")) {
                if (cap.startsWith("-")) {
                    enabled.remove(cap.substring(1));
                } else if (!cap.isEmpty()) {
                    enabled.add(cap);
                }
            }
        }

        private void quitAndFail(IrcFailure reason, String detail) {
            send(IrcMessage.of("QUIT", "byob: " + reason.name().toLowerCase(Locale.ROOT).replace('_', ' ')));
            quitting = true;
            phase = Phase.FAILED;
            out.add(new Failed(reason, detail));
        }
    }

    private static boolean isCap(IrcMessage m, String subcommand) {
        return m.is("CAP") && m.param(1).map(s -> s.equalsIgnoreCase(subcommand)).orElse(false);
    }

    /** A multi-line {@code LS}/{@code LIST}/{@code ACK} reply: {@code *} before the list on all but the last line. */
    private static boolean isContinuation(IrcMessage m) {
        return m.params().size() >= 4 && "*".equals(m.params().get(2));
    }

    /** {@code name[=value]} tokens to a map, values {@code ""} when absent. */
    private static Map<String, String> capabilityList(String list) {
        Map<String, String> caps = new LinkedHashMap<>();
        for (String token : list.trim().split(" +")) {
            if (token.isEmpty()) {
                continue;
            }
            int equals = token.indexOf('=');
            caps.put(equals < 0 ? token : token.substring(0, equals), equals < 0 ? "" : token.substring(equals + 1));
        }
        return caps;
    }

    /** Whether a {@code sasl} capability value or a 908 list names PLAIN; an empty value names no mechanism and so allows any. */
    private static boolean offersPlain(String mechanisms) {
        if (mechanisms.isEmpty()) {
            return true;
        }
        for (String mechanism : mechanisms.split(",")) {
            if (mechanism.trim().equalsIgnoreCase("PLAIN")) {
                return true;
            }
        }
        return false;
    }

    /** Space-separated groups of capabilities, each list within {@link #CAP_REQ_LIST_BYTES}. */
    private static List<String> groups(List<String> caps) {
        List<String> groups = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String cap : caps) {
            if (current.length() > 0 && IrcMessage.utf8Length(current + " " + cap) > CAP_REQ_LIST_BYTES) {
                groups.add(current.toString());
                current.setLength(0);
            }
            if (current.length() > 0) {
                current.append(' ');
            }
            current.append(cap);
        }
        if (current.length() > 0) {
            groups.add(current.toString());
        }
        return groups;
    }
}
