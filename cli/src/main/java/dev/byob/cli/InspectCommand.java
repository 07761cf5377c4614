package dev.byob.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.protocol.discovery.BridgeInfo;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.kit.matrix.MatrixException;
import dev.byob.kit.matrix.MatrixNetworkException;
import dev.byob.kit.matrix.MatrixRequestException;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code byob inspect}: who bridges a room, by its MSC2346 state events, and which of them to believe. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Shows which bridges bridge a Matrix room, and which bridge events to believe.", "",
            "Reads the room's m.bridge and uk.half-shot.bridge state events and judges each as a visiting bridge "
                + "would: VALID when sent by the bridge bot it names, FORGED when sent by anyone else (anybody "
                + "allowed to send state can write one), MALFORMED when it does not follow MSC2346.", "",
            "The access token is that of any account joined to the room (or able to read its state); give it "
                + "with --access-token or the environment variable BYOB_ACCESS_TOKEN.", "",
            "With --probe, it also asks each bridge bot whether it speaks byob: it opens a DM with the bot as "
                + "the token's account, sends a byob request that is deliberately incomplete, and waits for the "
                + "cancel (invalid_message) a byob hosting bridge must answer (spec §4.3). The request starts no "
                + "exchange; the DM is left afterwards.", "",
            "Exit codes: 0 read, 1 the homeserver refused or could not be reached, 2 bad usage."})
final class InspectCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--homeserver", required = true, paramLabel = "URL",
            description = "The homeserver's client-server API base URL, e.g. https://matrix.example.org.")
    String homeserver;

    @Option(names = "--access-token", paramLabel = "TOKEN", defaultValue = "${env:BYOB_ACCESS_TOKEN}",
            description = "An access token (default: the environment variable BYOB_ACCESS_TOKEN).")
    String accessToken;

    @Parameters(paramLabel = "ROOM", description = "The room: its id (!...) or an alias (#...).")
    String room;

    @Option(names = "--probe", description = "Ask each bridge bot whether it answers byob (opens and leaves a DM).")
    boolean probe;

    @Option(names = "--probe-seconds", paramLabel = "S", defaultValue = "30",
            description = "How long to wait for the bot to join the DM and to answer (default: ${DEFAULT-VALUE}).")
    int probeSeconds;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        URI base;
        try {
            base = URI.create(homeserver);
            if (!("http".equals(base.getScheme()) || "https".equals(base.getScheme())) || base.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--homeserver: '" + homeserver + "' is "
                    + "not an http(s) URL");
        }
        if (accessToken == null || accessToken.isBlank()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "an access token is needed: --access-token TOKEN, or set BYOB_ACCESS_TOKEN");
        }
        if (probeSeconds < 1 || probeSeconds > 600) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--probe-seconds: 1 to 600");
        }
        if (!room.startsWith("!") && !room.startsWith("#")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "ROOM: '" + room
                    + "' is neither a room id (!...) nor an alias (#...)");
        }
        try (MatrixClient client = MatrixClient.builder(base, accessToken).build()) {
            RoomId id = room.startsWith("#") ? client.resolveAlias(room) : RoomId.parse(room);
            List<JsonNode> state = client.getRoomState(id);
            out.println("Room " + id + (room.startsWith("#") ? " (" + room + ")" : ""));
            int valid = 0;
            int events = 0;
            java.util.Set<UserId> bots = new java.util.LinkedHashSet<>();
            for (JsonNode event : state) {
                String type = event.path("type").asText();
                if (!BridgeInfo.isBridgeEventType(type)) {
                    continue;
                }
                events++;
                UserId sender;
                try {
                    sender = UserId.parse(event.path("sender").asText());
                } catch (IllegalArgumentException e) {
                    out.println("  MALFORMED  " + type + " with an invalid sender");
                    continue;
                }
                BridgeInfo.Reading reading = BridgeInfo.read(type, event.path("state_key").asText(), sender,
                        event.path("content"));
                if (reading.verdict() == BridgeInfo.Verdict.VALID) {
                    valid++;
                    BridgeInfo info = reading.info().orElseThrow();
                    bots.add(info.hbBot());
                    out.println("  VALID      " + type + "  " + info.network() + " " + info.channel() + "  bridged by "
                            + info.hbBot() + (info.active() ? "" : "  (disabled)"));
                } else {
                    out.println("  " + String.format("%-10s", reading.verdict()) + " " + type + "  state key '"
                            + event.path("state_key").asText() + "' from " + sender + ": " + reading.reason());
                }
            }
            if (events == 0) {
                out.println("  no bridge events: this room is not bridged (as far as MSC2346 tells)");
            } else {
                out.println(valid + " of " + events + " bridge events to believe");
            }
            if (probe) {
                for (UserId bot : bots) {
                    out.println(ByobProbe.run(client, bot, Duration.ofSeconds(probeSeconds)));
                }
            }
            return 0;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "ROOM: " + e.getMessage());
        } catch (MatrixException e) {
            spec.commandLine().getErr().println("byob inspect: the homeserver refused: " + e.errcode() + " "
                    + e.error() + " (HTTP " + e.status() + ")");
            return 1;
        } catch (MatrixNetworkException e) {
            spec.commandLine().getErr().println("byob inspect: cannot reach " + homeserver + ": " + e.getMessage());
            return 1;
        } catch (MatrixRequestException e) {
            spec.commandLine().getErr().println("byob inspect: " + e.getMessage());
            return 1;
        }
    }
}
