package dev.byob.hosting.byob;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.kit.matrix.CreateRoomOptions;
import dev.byob.kit.matrix.DirectChats;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.kit.matrix.OpenIdUserInfo;
import dev.byob.kit.matrix.RoomPreset;
import dev.byob.hosting.store.SqlCanonicalDms;
import dev.byob.protocol.discovery.CanonicalDm;
import dev.byob.protocol.hosting.RateLimiter;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ByobTransport} over the Client-Server API as the bridge bot. Every call is queued on {@code worker}
 * (a single thread keeps their order, which the protocol relies on: a challenge before the accept after it),
 * so the core thread never waits for the homeserver.
 *
 * <p>DMs: the DM with each peer is kept in {@link SqlCanonicalDms}. When none is known, the bot creates one
 * ({@code is_direct}, {@code trusted_private_chat}, inviting the peer), records it and adds it to its own
 * {@code m.direct}. A direct invite from a peer is joined, and the newest such room becomes the DM with that
 * peer; when the peer leaves it, it is forgotten.
 *
 * <p>OpenID: the token is checked at {@code /_matrix/federation/v1/openid/userinfo} of the server that issued it,
 * through {@link OpenIdUserInfo}: the bridge's own homeserver at its configured URL, others as the Server-Server
 * API resolves their names, at public addresses only.
 */
public final class MatrixByobTransport implements ByobTransport {
    private static final Logger LOG = LoggerFactory.getLogger(MatrixByobTransport.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How many direct invites of one inviter the bot joins in an hour (spec §3.1, §14). */
    static final int DIRECT_INVITES_PER_HOUR = 10;

    private final MatrixClient bot;
    private final UserId botId;
    private final SqlCanonicalDms dms;
    private final Executor worker;
    private final OpenIdUserInfo openId;
    private final Clock clock;
    private final RateLimiter<UserId> directInvites = new RateLimiter<>(DIRECT_INVITES_PER_HOUR, Duration.ofHours(1));
    private int invitesSincePrune;

    /**
     * A transport acting as {@code botId} through {@code client} (the appservice's client), keeping DMs in
     * {@code dms}, working on {@code worker}, checking OpenID tokens with {@code openId}.
     */
    public MatrixByobTransport(MatrixClient client, UserId botId, SqlCanonicalDms dms, Executor worker,
                               OpenIdUserInfo openId) {
        this.botId = Objects.requireNonNull(botId, "botId");
        this.bot = Objects.requireNonNull(client, "client").as(botId);
        this.dms = Objects.requireNonNull(dms, "dms");
        this.worker = Objects.requireNonNull(worker, "worker");
        this.openId = Objects.requireNonNull(openId, "openId");
        this.clock = Clock.systemUTC();
    }

    @Override
    public void sendToVisitingBridge(UserId vbBot, String eventType, ObjectNode content, String clientTxnId) {
        run("send " + eventType + " to " + vbBot, () -> bot.sendMessageEvent(dmWith(vbBot), eventType, content,
                clientTxnId));
    }

    @Override
    public void notifyUser(UserId user, String text) {
        run("notify " + user, () -> bot.sendMessageEvent(dmWith(user), "m.room.message", notice(text)));
    }

    @Override
    public void reply(RoomId room, String text) {
        run("reply in " + room, () -> bot.sendMessageEvent(room, "m.room.message", notice(text)));
    }

    @Override
    public void joinDirect(RoomId room, UserId inviter) {
        run("join the DM " + room + " from " + inviter, () -> {
            if (!directInvites.tryAcquire(inviter, clock.instant())) {
                LOG.warn("not joining {}: more than {} direct invites from {} in an hour", room,
                        DIRECT_INVITES_PER_HOUR, inviter);
                bot.leave(room); // declines the invite
                return;
            }
            if (++invitesSincePrune >= 1000) {
                invitesSincePrune = 0;
                directInvites.prune(clock.instant());
            }
            bot.join(room);
            canonical(inviter, room);
        });
    }

    @Override
    public void directRoomSeen(RoomId room, UserId peer) {
        run("remember the DM " + room + " with " + peer, () -> canonical(peer, room));
    }

    /**
     * Records {@code room} as the DM with {@code peer}, or, if another one is known, keeps the one §3.2 chooses
     * and leaves the other with a notice naming the kept one. Runs on the worker.
     */
    private void canonical(UserId peer, RoomId room) {
        Optional<RoomId> known = dms.find(botId, peer);
        if (known.isEmpty()) {
            dms.put(botId, peer, room);
            updateDirect(peer, room, null);
            return;
        }
        if (known.get().equals(room)) {
            return;
        }
        CanonicalDm.Candidate keep = CanonicalDm.keep(DirectChats.candidate(bot, known.get()),
                DirectChats.candidate(bot, room));
        RoomId drop = keep.room().equals(room) ? known.get() : room;
        dms.put(botId, peer, keep.room());
        updateDirect(peer, keep.room(), drop);
        LOG.info("two DMs with {}: keeping {}, leaving {}", peer, keep.room(), drop);
        try {
            bot.sendMessageEvent(drop, "m.room.message", notice("byob: duplicate DM, continuing in " + keep.room()));
        } catch (RuntimeException e) {
            LOG.debug("could not say so in {}: {}", drop, e.toString());
        }
        try {
            bot.leave(drop);
        } catch (RuntimeException e) {
            LOG.warn("could not leave the duplicate DM {}: {}", drop, e.toString());
        }
    }

    @Override
    public void directRoomLeft(RoomId room, UserId peer) {
        run("forget the DM " + room + " with " + peer, () -> {
            if (dms.forget(botId, peer, room)) {
                LOG.info("{} left the DM {}; a new one will be made when needed", peer, room);
            }
        });
    }

    @Override
    public CompletionStage<Optional<UserId>> checkOpenId(String matrixServerName, String accessToken) {
        CompletableFuture<Optional<UserId>> result = new CompletableFuture<>();
        worker.execute(() -> {
            try {
                result.complete(openId.lookup(matrixServerName, accessToken));
            } catch (IOException | RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** The DM with {@code peer}: the known one, or a new one. Runs on the worker. */
    private RoomId dmWith(UserId peer) {
        Optional<RoomId> known = dms.find(botId, peer);
        if (known.isPresent()) {
            return known.get();
        }
        RoomId room = bot.createRoom(CreateRoomOptions.builder().direct(true).preset(RoomPreset.TRUSTED_PRIVATE_CHAT)
                .invite(peer).build());
        dms.put(botId, peer, room);
        updateDirect(peer, room, null);
        LOG.info("Created the DM {} with {}", room, peer);
        return room;
    }

    /**
     * Adds {@code add} to the bot's {@code m.direct} under {@code peer} and takes {@code remove} (if not null) out;
     * a failure here only costs clients' display.
     */
    private void updateDirect(UserId peer, RoomId add, RoomId remove) {
        try {
            DirectChats.update(bot, botId, peer, add, remove);
        } catch (RuntimeException e) {
            LOG.warn("Could not record {} in m.direct: {}", add, e.toString());
        }
    }

    private static ObjectNode notice(String text) {
        ObjectNode content = JSON.createObjectNode();
        content.put("msgtype", "m.notice");
        content.put("body", text);
        return content;
    }

    private void run(String what, Runnable work) {
        worker.execute(() -> {
            try {
                work.run();
            } catch (RuntimeException e) {
                LOG.warn("byob: could not {}: {}", what, e.toString());
            }
        });
    }
}
