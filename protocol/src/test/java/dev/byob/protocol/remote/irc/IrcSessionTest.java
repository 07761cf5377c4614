package dev.byob.protocol.remote.irc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.protocol.Transition;
import dev.byob.protocol.remote.IrcAccountProof.CaseMapping;
import dev.byob.protocol.remote.irc.IrcOutput.Event;
import dev.byob.protocol.remote.irc.IrcOutput.Failed;
import dev.byob.protocol.remote.irc.IrcOutput.Registered;
import dev.byob.protocol.remote.irc.IrcOutput.SaslFailed;
import dev.byob.protocol.remote.irc.IrcOutput.SendLine;
import dev.byob.protocol.remote.irc.IrcSession.Phase;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IrcSessionTest {
    private static final String LS = ":irc.test CAP * LS :account-tag cap-notify echo-message message-tags sasl=PLAIN server-time userhost-in-names";
    private static final SaslPlain ALICE = SaslPlain.of("alice", "s3cret");

    /** Feeds scripted server lines to a session, keeping the newest state. */
    private static final class Script {
        IrcSession session;

        Script(IrcSessionConfig config) {
            apply(IrcSession.start(config));
        }

        List<IrcOutput> start;

        List<IrcOutput> server(String line) {
            return apply(session.receive(IrcMessage.parse(line)));
        }

        List<IrcOutput> apply(Transition<IrcSession, IrcOutput> t) {
            session = t.state();
            if (start == null) {
                start = t.outputs();
            }
            return t.outputs();
        }
    }

    private static List<String> sent(List<IrcOutput> outputs) {
        return outputs.stream().filter(o -> o instanceof SendLine)
                .map(o -> ((SendLine) o).message().format()).collect(Collectors.toList());
    }

    private static <T extends IrcOutput> T only(List<IrcOutput> outputs, Class<T> type) {
        List<T> found = outputs.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
        assertEquals(1, found.size(), () -> "one " + type.getSimpleName() + " in " + outputs);
        return found.get(0);
    }

    private static boolean none(List<IrcOutput> outputs, Class<? extends IrcOutput> type) {
        return outputs.stream().noneMatch(type::isInstance);
    }

    /** A script through LS and ACK with SASL, awaiting the challenge. */
    private static Script toChallenge(IrcSessionConfig config) {
        Script s = new Script(config);
        assertEquals(List.of("CAP REQ :message-tags account-tag server-time echo-message sasl"), sent(s.server(LS)));
        assertEquals(List.of("AUTHENTICATE PLAIN"),
                sent(s.server(":irc.test CAP * ACK :message-tags account-tag server-time echo-message sasl")));
        assertEquals(Phase.AUTHENTICATING, s.session.phase());
        return s;
    }

    @Test
    void start_sendsCapLs302NickUser() {
        Script s = new Script(IrcSessionConfig.of("alice[m]").withRealname("Alice via byob"));

        assertEquals(List.of("CAP LS 302", "NICK alice[m]", "USER alicem 0 * :Alice via byob"), sent(s.start));
        assertEquals(Phase.LISTING_CAPABILITIES, s.session.phase());
        assertEquals("alice[m]", s.session.nick());
        assertFalse(s.session.isRegistered());
    }

    @Test
    void capLs_requestsWantedOffered_thenAckEndsNegotiation_001Registers() {
        Script s = new Script(IrcSessionConfig.of("bot"));

        assertEquals(List.of("CAP REQ :message-tags account-tag server-time echo-message"), sent(s.server(LS)));
        assertEquals(Phase.REQUESTING_CAPABILITIES, s.session.phase());
        assertEquals(List.of("CAP END"),
                sent(s.server(":irc.test CAP * ACK :message-tags account-tag server-time echo-message")));
        assertEquals(Phase.REGISTERING, s.session.phase());

        List<IrcOutput> out = s.server(":irc.test 001 bot :Welcome to the ByobTest IRC Network bot!bot@127.0.0.1");
        Registered registered = only(out, Registered.class);
        assertEquals("bot", registered.nick());
        assertEquals(Set.of("message-tags", "account-tag", "server-time", "echo-message"), registered.capabilities());
        assertEquals(Optional.empty(), registered.account());
        assertTrue(s.session.isRegistered());
        assertTrue(none(out, Event.class), "001 itself is not an event");
    }

    @Test
    void capLs_multiLine_waitsForLastLine() {
        Script s = new Script(IrcSessionConfig.of("bot"));

        assertEquals(List.of(), s.server(":irc.test CAP * LS * :account-tag message-tags"));
        assertEquals(Phase.LISTING_CAPABILITIES, s.session.phase());
        assertEquals(List.of("CAP REQ :message-tags account-tag server-time"), sent(s.server(":irc.test CAP * LS :server-time")));
        assertEquals(Set.of("account-tag", "message-tags", "server-time"), s.session.offeredCapabilities().keySet());
    }

    @Test
    void capLs_nothingWanted_capEndAtOnce() {
        Script s = new Script(IrcSessionConfig.of("bot"));

        assertEquals(List.of("CAP END"), sent(s.server(":irc.test CAP * LS :multi-prefix away-notify")));
        assertEquals(Phase.REGISTERING, s.session.phase());
    }

    @Test
    void capLs_emptyList_capEnd() {
        Script s = new Script(IrcSessionConfig.of("bot"));

        assertEquals(List.of("CAP END"), sent(s.server(":irc.test CAP * LS :")));
    }

    @Test
    void capNak_noCapabilities_stillRegisters() {
        Script s = new Script(IrcSessionConfig.of("bot"));
        s.server(LS);

        assertEquals(List.of("CAP END"), sent(s.server(":irc.test CAP * NAK :message-tags account-tag server-time echo-message")));
        Registered registered = only(s.server(":irc.test 001 bot :Welcome"), Registered.class);
        assertEquals(Set.of(), registered.capabilities());
    }

    @Test
    void capReq_manyCapabilities_splitIntoGroups_waitsForEveryAnswer() {
        List<String> caps = new ArrayList<>();
        StringBuilder offered = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            String cap = "example.org/capability-number-" + i;
            caps.add(cap);
            offered.append(cap).append(' ');
        }
        Script s = new Script(IrcSessionConfig.of("bot").withCapabilities(caps));

        List<String> requests = sent(s.server(":irc.test CAP * LS :" + offered.toString().trim()));
        assertTrue(requests.size() >= 3, requests.toString());
        requests.forEach(r -> assertTrue(r.length() <= 400 + "CAP REQ :".length(), r));
        assertEquals(caps, requests.stream().flatMap(r -> List.of(r.substring("CAP REQ :".length()).split(" ")).stream())
                .collect(Collectors.toList()));

        for (int i = 0; i < requests.size() - 1; i++) {
            assertEquals(List.of(), s.server(":irc.test CAP * ACK :" + requests.get(i).substring("CAP REQ :".length())));
        }
        assertEquals(List.of("CAP END"),
                sent(s.server(":irc.test CAP * ACK :" + requests.get(requests.size() - 1).substring("CAP REQ :".length()))));
        assertEquals(Set.copyOf(caps), s.session.capabilities());
    }

    @Test
    void capAck_multiLineAck_countsOnceAndDisablesDashed() {
        Script s = new Script(IrcSessionConfig.of("bot"));
        s.server(LS);

        assertEquals(List.of(), s.server(":irc.test CAP bot ACK * :message-tags account-tag"));
        assertEquals(List.of("CAP END"), sent(s.server(":irc.test CAP bot ACK :server-time echo-message -account-tag")));
        assertEquals(Set.of("message-tags", "server-time", "echo-message"), s.session.capabilities());
    }

    @Test
    void sasl_success_sendsPlainResponse_thenCapEnd_registersWithAccount() {
        Script s = toChallenge(IrcSessionConfig.of("alice").withSasl(ALICE));

        List<IrcOutput> response = s.server("AUTHENTICATE +");
        String expected = Base64.getEncoder().encodeToString("alice\0alice\0s3cret".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("AUTHENTICATE " + expected), sent(response));
        SendLine line = only(response, SendLine.class);
        assertTrue(line.secret());
        assertFalse(line.toString().contains(expected), line.toString());

        assertEquals(List.of(), s.server(":irc.test 900 alice alice!alice@127.0.0.1 alice :You are now logged in as alice"));
        assertEquals(List.of("CAP END"), sent(s.server(":irc.test 903 alice :SASL authentication successful")));
        assertEquals(Phase.REGISTERING, s.session.phase());

        Registered registered = only(s.server(":irc.test 001 alice :Welcome"), Registered.class);
        assertEquals(Optional.of("alice"), registered.account());
        assertTrue(registered.capabilities().contains("sasl"));
        assertEquals(Optional.of("alice"), s.session.account());
    }

    @Test
    void sasl_inspircdChallengeWithColon_accepted() {
        Script s = toChallenge(IrcSessionConfig.of("alice").withSasl(ALICE));

        List<String> response = sent(s.server("AUTHENTICATE :+"));
        assertEquals(1, response.size());
        assertTrue(response.get(0).startsWith("AUTHENTICATE "), response.toString());
        assertFalse(response.get(0).equals("AUTHENTICATE *"), response.toString());
    }

    @Test
    void sasl_accountFrom900_preferredOverConfigured() {
        Script s = toChallenge(IrcSessionConfig.of("alice").withSasl(ALICE));
        s.server("AUTHENTICATE +");
        s.server(":irc.test 900 alice alice!alice@127.0.0.1 Alice :You are now logged in as Alice");
        s.server(":irc.test 903 alice :SASL authentication successful");

        assertEquals(Optional.of("Alice"), only(s.server(":irc.test 001 alice :Welcome"), Registered.class).account());
    }

    @Test
    void sasl_successWithout900_accountIsConfiguredOne() {
        Script s = toChallenge(IrcSessionConfig.of("alice").withSasl(ALICE));
        s.server("AUTHENTICATE +");
        s.server(":irc.test 903 alice :SASL authentication successful");

        assertEquals(Optional.of("alice"), s.session.account());
    }

    @Test
    void sasl_responseOf400Bytes_followedByPlus() {
        // "a\0a\0" + 296 characters = 300 bytes = 400 base64 characters exactly.
        SaslPlain credentials = SaslPlain.of("a", "p".repeat(296));
        Script s = toChallenge(IrcSessionConfig.of("a").withSasl(credentials));

        List<String> lines = sent(s.server("AUTHENTICATE +"));
        assertEquals(2, lines.size());
        assertEquals(400, lines.get(0).length() - "AUTHENTICATE ".length());
        assertEquals("AUTHENTICATE +", lines.get(1));
        assertEquals(credentials.encodedResponse(), lines.get(0).substring("AUTHENTICATE ".length()));
    }

    @Test
    void sasl_longResponse_chunkedAt400() {
        SaslPlain credentials = SaslPlain.of("alice", "é".repeat(300));
        Script s = toChallenge(IrcSessionConfig.of("alice").withSasl(credentials));

        List<IrcOutput> out = s.server("AUTHENTICATE +");
        List<String> chunks = sent(out).stream().map(l -> l.substring("AUTHENTICATE ".length())).collect(Collectors.toList());
        assertEquals(List.of(400, 400), chunks.subList(0, 2).stream().map(String::length).collect(Collectors.toList()));
        assertTrue(chunks.get(2).length() < 400 && !chunks.get(2).equals("+"), chunks.get(2));
        assertEquals(credentials.encodedResponse(), String.join("", chunks));
        assertTrue(out.stream().allMatch(o -> ((SendLine) o).secret()));
        String decoded = new String(Base64.getDecoder().decode(String.join("", chunks)), StandardCharsets.UTF_8);
        assertEquals("alice\0alice\0" + "é".repeat(300), decoded);
    }

    @Test
    void sasl_wrongPassword_required_reportsTypedFailureQuitsAndFails() {
        Script s = toChallenge(IrcSessionConfig.of("alice").withSasl(ALICE));
        s.server("AUTHENTICATE +");

        List<IrcOutput> out = s.server(":irc.test 904 alice :SASL authentication failed");
        SaslFailed failed = (SaslFailed) out.get(0);
        assertEquals(SaslFailure.CREDENTIALS_REJECTED, failed.reason());
        assertEquals(Optional.of("904"), failed.numeric());
        assertEquals("alice", failed.account());
        assertTrue(failed.describe().contains("the account name or password is wrong"), failed.describe());
        assertTrue(failed.describe().contains("alice"), failed.describe());
        assertEquals(List.of("QUIT :byob: sasl failed"), sent(out));
        Failed end = (Failed) out.get(out.size() - 1);
        assertEquals(IrcFailure.SASL_FAILED, end.reason());
        assertFalse(end.reason().retryable());
        assertEquals(Phase.FAILED, s.session.phase());
        assertFalse(sent(out).contains("CAP END"), "never registers without the account");

        IrcSession failedSession = s.session;
        assertSame(failedSession, failedSession.receive(IrcMessage.parse(":irc.test 001 alice :Welcome")).state());
        assertEquals(List.of(), failedSession.receive(IrcMessage.parse("PING :x")).outputs());
    }

    @Test
    void sasl_wrongPassword_optional_continuesWithoutAccount() {
        Script s = toChallenge(IrcSessionConfig.of("alice").withSasl(ALICE, false));
        s.server("AUTHENTICATE +");

        List<IrcOutput> out = s.server(":irc.test 904 alice :SASL authentication failed");
        assertEquals(SaslFailure.CREDENTIALS_REJECTED, only(out, SaslFailed.class).reason());
        assertEquals(List.of("CAP END"), sent(out));
        assertTrue(none(out, Failed.class));

        Registered registered = only(s.server(":irc.test 001 alice :Welcome"), Registered.class);
        assertEquals(Optional.empty(), registered.account());
    }

    @ParameterizedTest
    @CsvSource({"902, ACCOUNT_UNAVAILABLE", "904, CREDENTIALS_REJECTED", "905, MESSAGE_TOO_LONG", "906, ABORTED"})
    void sasl_failureNumerics_typed(String numeric, SaslFailure expected) {
        Script s = toChallenge(IrcSessionConfig.of("alice").withSasl(ALICE));
        s.server("AUTHENTICATE +");

        List<IrcOutput> out = s.server(":irc.test " + numeric + " alice :no");
        SaslFailed failed = only(out, SaslFailed.class);
        assertEquals(expected, failed.reason());
        assertEquals(Optional.of(numeric), failed.numeric());
        assertEquals(IrcFailure.SASL_FAILED, only(out, Failed.class).reason());
    }

    @Test
    void sasl_mechanismList908Without_plain_thenFail_reportsMechanismUnavailable() {
        Script s = toChallenge(IrcSessionConfig.of("alice").withSasl(ALICE));

        assertEquals(List.of(), s.server(":irc.test 908 alice EXTERNAL,SCRAM-SHA-256 :are available SASL mechanisms"));
        List<IrcOutput> out = s.server(":irc.test 904 alice :SASL authentication failed");
        assertEquals(SaslFailure.MECHANISM_UNAVAILABLE, only(out, SaslFailed.class).reason());
    }

    @Test
    void sasl_capabilityValueWithoutPlain_failsBeforeRequesting() {
        Script s = new Script(IrcSessionConfig.of("alice").withSasl(ALICE));

        List<IrcOutput> out = s.server(":irc.test CAP * LS :message-tags sasl=EXTERNAL");
        SaslFailed failed = only(out, SaslFailed.class);
        assertEquals(SaslFailure.MECHANISM_UNAVAILABLE, failed.reason());
        assertTrue(failed.detail().contains("EXTERNAL"), failed.detail());
        assertEquals(Optional.empty(), failed.numeric());
        assertEquals(List.of("QUIT :byob: sasl failed"), sent(out));
        assertEquals(Phase.FAILED, s.session.phase());
    }

    @Test
    void sasl_notOffered_required_fails() {
        Script s = new Script(IrcSessionConfig.of("alice").withSasl(ALICE));

        List<IrcOutput> out = s.server(":irc.test CAP * LS :message-tags account-tag");
        assertEquals(SaslFailure.NOT_OFFERED, only(out, SaslFailed.class).reason());
        assertEquals(IrcFailure.SASL_FAILED, only(out, Failed.class).reason());
    }

    @Test
    void sasl_notOffered_optional_requestsTheRestOnce() {
        Script s = new Script(IrcSessionConfig.of("alice").withSasl(ALICE, false));

        List<IrcOutput> out = s.server(":irc.test CAP * LS :message-tags account-tag");
        assertEquals(SaslFailure.NOT_OFFERED, only(out, SaslFailed.class).reason());
        assertEquals(List.of("CAP REQ :message-tags account-tag"), sent(out));
        out = s.server(":irc.test CAP * ACK :message-tags account-tag");
        assertEquals(List.of("CAP END"), sent(out));
        assertTrue(none(out, SaslFailed.class), "reported once");
    }

    @Test
    void sasl_capabilityRefusedByNak_reportsNotOffered() {
        Script s = new Script(IrcSessionConfig.of("alice").withSasl(ALICE));
        s.server(LS);

        List<IrcOutput> out = s.server(":irc.test CAP * NAK :message-tags account-tag server-time echo-message sasl");
        SaslFailed failed = only(out, SaslFailed.class);
        assertEquals(SaslFailure.NOT_OFFERED, failed.reason());
        assertTrue(failed.detail().contains("refused"), failed.detail());
        assertEquals(IrcFailure.SASL_FAILED, only(out, Failed.class).reason());
    }

    @Test
    void sasl_unexpectedChallenge_abortsWithStar() {
        Script s = toChallenge(IrcSessionConfig.of("alice").withSasl(ALICE, false));

        List<IrcOutput> out = s.server("AUTHENTICATE c29tZXRoaW5n");
        assertEquals(List.of("AUTHENTICATE *", "CAP END"), sent(out));
        assertEquals(SaslFailure.UNEXPECTED_REPLY, only(out, SaslFailed.class).reason());
        assertEquals(List.of(), s.server(":irc.test 906 alice :SASL authentication aborted"), "late 906 ignored");
    }

    @Test
    void serverWithoutCap_001_registersWithoutCapabilities() {
        Script s = new Script(IrcSessionConfig.of("bot"));
        s.server(":irc.test NOTICE * :*** Looking up your hostname...");

        Registered registered = only(s.server(":irc.test 001 bot :Welcome"), Registered.class);
        assertEquals(Set.of(), registered.capabilities());
    }

    @Test
    void serverWithoutCap_saslRequired_fails() {
        Script s = new Script(IrcSessionConfig.of("alice").withSasl(ALICE));

        List<IrcOutput> out = s.server(":irc.test 001 alice :Welcome");
        assertEquals(SaslFailure.NOT_OFFERED, only(out, SaslFailed.class).reason());
        assertEquals(IrcFailure.SASL_FAILED, only(out, Failed.class).reason());
        assertTrue(none(out, Registered.class));
    }

    @Test
    void ping_beforeRegistration_pongOnly_afterRegistration_pongAndEvent() {
        Script s = new Script(IrcSessionConfig.of("bot"));

        assertEquals(List.of("PONG :abc def"), sent(s.server("PING :abc def")));
        assertTrue(none(s.server("PING :x"), Event.class));

        s.server(":irc.test CAP * LS :");
        s.server(":irc.test 001 bot :Welcome");
        List<IrcOutput> out = s.server("PING irc.test");
        assertEquals(List.of("PONG irc.test"), sent(out));
        assertEquals("PING", only(out, Event.class).message().command());
    }

    @Test
    void nickInUse_triesUnderscoresUntilLimit_thenFails() {
        Script s = new Script(IrcSessionConfig.of("alice[m]").withMaxNickAttempts(3));

        assertEquals(List.of("NICK alice[m]_"), sent(s.server(":irc.test 433 * alice[m] :Nickname is already in use.")));
        assertEquals("alice[m]_", s.session.nick());
        assertEquals(List.of("NICK alice[m]__"), sent(s.server(":irc.test 433 * alice[m]_ :Nickname is already in use.")));
        List<IrcOutput> out = s.server(":irc.test 433 * alice[m]__ :Nickname is already in use.");
        Failed failed = only(out, Failed.class);
        assertEquals(IrcFailure.NICK_UNAVAILABLE, failed.reason());
        assertTrue(failed.reason().retryable());
        assertTrue(failed.detail().contains("alice[m], alice[m]_, alice[m]__"), failed.detail());
        assertEquals(List.of("QUIT :byob: nick unavailable"), sent(out));
    }

    @Test
    void nickInUse_alternativesFirst_thenRegistersWithServersNick() {
        Script s = new Script(IrcSessionConfig.of("alice").withAlternativeNicks(List.of("alice-m", "alice-x")));

        assertEquals(List.of("NICK alice-m"), sent(s.server(":irc.test 433 * alice :in use")));
        assertEquals(List.of("NICK alice-x"), sent(s.server(":irc.test 436 * alice-m :collision")));
        assertEquals(List.of("NICK alice_"), sent(s.server(":irc.test 433 * alice-x :in use")));
        s.server(":irc.test CAP * LS :");
        assertEquals("alice_", only(s.server(":irc.test 001 alice_ :Welcome"), Registered.class).nick());
    }

    @Test
    void nickInUse_whileNegotiating_keepsNegotiating() {
        Script s = toChallenge(IrcSessionConfig.of("alice").withSasl(ALICE));

        assertEquals(List.of("NICK alice_"), sent(s.server(":irc.test 433 * alice :in use")));
        assertEquals(Phase.AUTHENTICATING, s.session.phase());
    }

    @Test
    void erroneousNick_fails() {
        Script s = new Script(IrcSessionConfig.of("alice"));

        Failed failed = only(s.server(":irc.test 432 * alice :Erroneous Nickname"), Failed.class);
        assertEquals(IrcFailure.NICK_INVALID, failed.reason());
        assertFalse(failed.reason().retryable());
    }

    @Test
    void nickInUse_afterRegistration_onlyAnEvent() {
        Script s = registered("bot");

        List<IrcOutput> out = s.server(":irc.test 433 bot other :Nickname is already in use.");
        assertEquals(List.of(), sent(out));
        assertEquals("433", only(out, Event.class).message().command());
    }

    private static Script registered(String nick) {
        Script s = new Script(IrcSessionConfig.of(nick));
        s.server(LS);
        s.server(":irc.test CAP * ACK :message-tags account-tag server-time echo-message");
        s.server(":irc.test 001 " + nick + " :Welcome");
        assertTrue(s.session.isRegistered());
        return s;
    }

    @Test
    void isupport_afterRegistration_tracked_andPassedOn() {
        Script s = registered("bot");

        List<IrcOutput> out = s.server(":irc.test 005 bot CASEMAPPING=ascii NETWORK=ByobTest NICKLEN=30 :are supported by this server");
        assertEquals("005", only(out, Event.class).message().command());
        assertEquals(CaseMapping.ASCII, s.session.caseMapping());
        assertEquals(Optional.of("ByobTest"), s.session.isupport().network());
    }

    @Test
    void nickChange_ofSelf_updatesNickByCaseMapping_ofOthers_not() {
        Script s = registered("Bot[1]");

        s.server(":bob!b@h NICK :robert");
        assertEquals("Bot[1]", s.session.nick());
        s.server(":bot{1}!bot@h NICK :bot2");
        assertEquals("bot2", s.session.nick());
        assertTrue(s.session.isMe("BOT2"));
    }

    @Test
    void capNewDelAck_afterRegistration_requestsWantedAndTracks() {
        Script s = new Script(IrcSessionConfig.of("bot"));
        s.server(":irc.test CAP * LS :message-tags");
        s.server(":irc.test CAP * ACK :message-tags");
        s.server(":irc.test 001 bot :Welcome");

        List<IrcOutput> out = s.server(":irc.test CAP bot NEW :account-tag batch");
        assertEquals(List.of("CAP REQ account-tag"), sent(out));
        s.server(":irc.test CAP bot ACK :account-tag");
        assertEquals(Set.of("message-tags", "account-tag"), s.session.capabilities());
        s.server(":irc.test CAP bot DEL :account-tag");
        assertEquals(Set.of("message-tags"), s.session.capabilities());
        assertFalse(s.session.offeredCapabilities().containsKey("account-tag"));
    }

    @Test
    void accountNumerics_afterRegistration_tracked() {
        Script s = registered("bot");

        s.server(":irc.test 900 bot bot!bot@h botaccount :You are now logged in as botaccount");
        assertEquals(Optional.of("botaccount"), s.session.account());
        s.server(":irc.test 901 bot bot!bot@h :You are now logged out");
        assertEquals(Optional.empty(), s.session.account());
    }

    @Test
    void privmsg_afterRegistration_event() {
        Script s = registered("bot");

        IrcMessage m = only(s.server("@account=alice :alice!a@h PRIVMSG bot :byob-proof abc"), Event.class).message();
        assertEquals(Optional.of("alice"), m.account());
    }

    @Test
    void error_beforeRegistration_failsClosedByServer() {
        Script s = new Script(IrcSessionConfig.of("bot"));

        Failed failed = only(s.server("ERROR :Closing link: (bot@127.0.0.1) [Registration timeout]"), Failed.class);
        assertEquals(IrcFailure.CLOSED_BY_SERVER, failed.reason());
        assertTrue(failed.detail().contains("Registration timeout"), failed.detail());
        assertEquals(Phase.FAILED, s.session.phase());
    }

    @Test
    void error_afterRegistration_eventThenFailed() {
        Script s = registered("bot");

        List<IrcOutput> out = s.server("ERROR :Closing link: (bot@127.0.0.1) [Killed]");
        assertInstanceOf(Event.class, out.get(0));
        assertInstanceOf(Failed.class, out.get(1));
    }

    @Test
    void quit_sendsQuit_laterErrorIsNoFailure() {
        Script s = registered("bot");

        assertEquals(List.of("QUIT :see you"), sent(s.apply(s.session.quit("see you"))));
        assertTrue(s.session.isQuitting());
        assertEquals(List.of(), s.apply(s.session.quit("again")), "idempotent");
        List<IrcOutput> out = s.server("ERROR :Closing link: (bot@127.0.0.1) [Quit: see you]");
        assertTrue(none(out, Failed.class), out.toString());
        assertTrue(s.session.isRegistered());
    }

    @Test
    void toString_neverShowsPassword() {
        IrcSessionConfig config = IrcSessionConfig.of("alice").withSasl(ALICE);
        Script s = new Script(config);

        assertFalse(config.toString().contains("s3cret"), config.toString());
        assertFalse(s.session.toString().contains("s3cret"), s.session.toString());
        assertTrue(ALICE.toString().contains("alice"));
    }

    @Test
    void config_invalidValues_throw() {
        assertThrows(IllegalArgumentException.class, () -> IrcSessionConfig.of("two words"));
        assertThrows(IllegalArgumentException.class, () -> IrcSessionConfig.of("#chan"));
        assertThrows(IllegalArgumentException.class, () -> IrcSessionConfig.of("a").withRealname(""));
        assertThrows(IllegalArgumentException.class, () -> IrcSessionConfig.of("a").withMaxNickAttempts(0));
        assertThrows(IllegalArgumentException.class, () -> SaslPlain.of("alice", ""));
        assertThrows(IllegalArgumentException.class, () -> SaslPlain.of("al ice", "x"));
        assertThrows(IllegalArgumentException.class, () -> SaslPlain.of("alice", "a\0b"));
        assertEquals("byob", IrcSessionConfig.of("[]").username());
    }
}
