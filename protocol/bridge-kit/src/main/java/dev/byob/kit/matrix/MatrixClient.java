package dev.byob.kit.matrix;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small typed client for the Matrix client-server API of one homeserver, with one access token.
 *
 * <p>The token is either an application service's {@code as_token} or a plain user's access token;
 * nothing here assumes which. An application service acts as one of its ghosts through the view
 * {@link #as(UserId)}, which adds the {@code user_id} query parameter (identity assertion) to every
 * request except registration; without a view it acts as its own bot ({@code sender_localpart}).
 *
 * <p><b>Threads.</b> Every method is synchronous: it blocks the calling thread until the homeserver
 * answers, including any waits between retries. Call it from worker threads, never from a Netty event
 * loop. Instances are immutable apart from the set of calls in flight, and safe to share between
 * threads. All clients built without their own {@link OkHttpClient} share one
 * ({@link #sharedHttpClient()}); per-call settings, such as the longer read timeout of a {@code /sync}
 * long poll, are derived from it with {@code newBuilder()}.
 *
 * <p><b>Failures.</b> A refusal by the homeserver is a {@link MatrixException}; no usable answer is a
 * {@link MatrixNetworkException}. Failed requests are retried according to the {@link RetryPolicy}:
 * GET and PUT requests are idempotent (a send is a PUT with a transaction id, retried with the same
 * id), as are the POSTs documented so here ({@link #registerAppserviceUser} and {@link #join}); other
 * POSTs, such as {@link #createRoom}, are retried only when the homeserver certainly did not act
 * (rate limited, or the connection was never made).
 *
 * <p><b>Secrets.</b> The access token travels in the {@code Authorization} header only and appears in
 * no {@code toString}, log line or exception message.
 */
public final class MatrixClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MatrixClient.class);
    private static final MediaType JSON_TYPE = MediaType.get("application/json; charset=utf-8");
    private static final ObjectMapper DEFAULT_JSON = new ObjectMapper();
    private static final Duration DEFAULT_SYNC_MARGIN = Duration.ofSeconds(30);

    private final Shared shared;
    private final UserId actingAs;
    private final RetryPolicy retry;

    /** What a client and all its views share: the transport, the token and the calls in flight. */
    private static final class Shared {
        final OkHttpClient http;
        final HttpUrl base;
        final String accessToken;
        final ObjectMapper json;
        final Clock clock;
        final TxnIds txnIds;
        final Duration syncMargin;
        final Set<Call> inFlight = ConcurrentHashMap.newKeySet();
        volatile boolean closed;

        Shared(Builder builder) {
            this.http = builder.http != null ? builder.http : sharedHttpClient();
            HttpUrl parsed = HttpUrl.get(builder.homeserver.toString());
            String path = parsed.encodedPath();
            this.base = path.endsWith("/") ? parsed : parsed.newBuilder().encodedPath(path + "/").build();
            this.accessToken = builder.accessToken;
            this.json = builder.json;
            this.clock = builder.clock;
            this.txnIds = builder.txnIds;
            this.syncMargin = builder.syncMargin;
        }
    }

    /** The status and JSON body of a successful answer. */
    private record Answer(int status, JsonNode body, String request) {
        String text(String field) {
            JsonNode value = body.get(field);
            if (value == null || !value.isTextual()) {
                throw MatrixException.badAnswer(request, status, "no string '" + field + "'");
            }
            return value.textValue();
        }

        <T> T id(String field, Function<String, T> parse) {
            try {
                return parse.apply(text(field));
            } catch (IllegalArgumentException e) {
                throw MatrixException.badAnswer(request, status, "'" + field + "' is malformed: " + e.getMessage());
            }
        }
    }

    private MatrixClient(Shared shared, UserId actingAs, RetryPolicy retry) {
        this.shared = shared;
        this.actingAs = actingAs;
        this.retry = retry;
    }

    /**
     * A builder for a client of the homeserver at {@code homeserver} (the client-server API base URL,
     * e.g. {@code https://matrix.example.org/}) using {@code accessToken}.
     */
    public static Builder builder(URI homeserver, String accessToken) {
        return new Builder(homeserver, accessToken);
    }

    /**
     * The HTTP client shared by every {@code MatrixClient} built without its own: 10 s to connect,
     * 60 s to read or write, and no silent retries by OkHttp (retrying is the {@link RetryPolicy}'s
     * job, which knows which requests are idempotent).
     */
    public static OkHttpClient sharedHttpClient() {
        return DefaultHttp.CLIENT;
    }

    private static final class DefaultHttp {
        static final OkHttpClient CLIENT = new OkHttpClient.Builder()
                .connectTimeout(Duration.ofSeconds(10))
                .readTimeout(Duration.ofSeconds(60))
                .writeTimeout(Duration.ofSeconds(60))
                .retryOnConnectionFailure(false)
                .build();
    }

    /**
     * A view acting as {@code user}: every request but registration carries {@code user_id=<user>}.
     * Only an application service may do this, and only for users in its namespace that it has
     * registered. The view shares this client's transport, token and lifecycle.
     */
    public MatrixClient as(UserId user) {
        return new MatrixClient(shared, Objects.requireNonNull(user, "user"), retry);
    }

    /** A view of this client retrying according to {@code policy}. */
    public MatrixClient withRetryPolicy(RetryPolicy policy) {
        return new MatrixClient(shared, actingAs, Objects.requireNonNull(policy, "policy"));
    }

    /** The user this view acts as, if it is one made by {@link #as(UserId)}. */
    public Optional<UserId> actingAs() {
        return Optional.ofNullable(actingAs);
    }

    /** The retry policy. */
    public RetryPolicy retryPolicy() {
        return retry;
    }

    /** The homeserver's client-server API base URL. */
    public URI homeserver() {
        return shared.base.uri();
    }

    /** A fresh transaction id from this client's {@link TxnIds}. */
    public String newTxnId() {
        return shared.txnIds.next();
    }

    // ---------------------------------------------------------------------------------------------
    // Account and profile

    /** Who the token (and the {@code user_id} of a view) belongs to: {@code GET /account/whoami}. */
    public WhoAmI whoami() {
        Answer answer = execute("GET", client("account", "whoami"), null, true, null, true);
        JsonNode device = answer.body().get("device_id");
        return new WhoAmI(answer.id("user_id", UserId::parse),
                Optional.ofNullable(device != null && device.isTextual() ? device.textValue() : null),
                answer.body().path("is_guest").asBoolean(false));
    }

    /**
     * Registers {@code user} in the application service's namespace ({@code POST /register} with
     * {@code type: m.login.application_service} and {@code inhibit_login}, so no access token is made).
     * Idempotent: a user that exists already ({@code M_USER_IN_USE}) is success. Never sends
     * {@code user_id}, so it may be called on a view too.
     *
     * @return true if this call created the user, false if it existed (possibly made by an earlier
     *     attempt of this same call whose answer was lost)
     * @throws MatrixException e.g. {@code M_EXCLUSIVE} when {@code user} is outside the namespace
     */
    public boolean registerAppserviceUser(UserId user) {
        ObjectNode body = shared.json.createObjectNode()
                .put("type", "m.login.application_service")
                .put("username", user.localpart())
                .put("inhibit_login", true);
        try {
            execute("POST", client("register"), body, true, null, false);
            return true;
        } catch (MatrixException e) {
            if (e.errcode() == ErrorCode.M_USER_IN_USE) {
                return false;
            }
            throw e;
        }
    }

    /** Sets {@code user}'s display name: {@code PUT /profile/{userId}/displayname}. */
    public void setDisplayName(UserId user, String displayName) {
        ObjectNode body = shared.json.createObjectNode().put("displayname", Objects.requireNonNull(displayName));
        execute("PUT", client("profile", user.value(), "displayname"), body, true, null, true);
    }

    // ---------------------------------------------------------------------------------------------
    // Rooms and membership

    /**
     * Creates a room: {@code POST /createRoom}. Not idempotent: after a 5xx or a broken connection it is
     * not repeated (a second room could result), the failure goes to the caller.
     */
    public RoomId createRoom(CreateRoomOptions options) {
        ObjectNode body = shared.json.createObjectNode();
        options.name().ifPresent(name -> body.put("name", name));
        options.topic().ifPresent(topic -> body.put("topic", topic));
        if (!options.invite().isEmpty()) {
            ArrayNode invite = body.putArray("invite");
            options.invite().forEach(user -> invite.add(user.value()));
        }
        if (options.isDirect()) {
            body.put("is_direct", true);
        }
        options.preset().ifPresent(preset -> body.put("preset", preset.wireName()));
        ArrayNode initialState = options.initialState().isEmpty() ? null : body.putArray("initial_state");
        for (InitialStateEvent state : options.initialState()) {
            initialState.addObject()
                    .put("type", state.type())
                    .put("state_key", state.stateKey())
                    .set("content", contentObject(state.content()));
        }
        options.extra().forEach((field, value) -> body.set(field, shared.json.valueToTree(value)));
        return execute("POST", client("createRoom"), body, false, null, true).id("room_id", RoomId::parse);
    }

    /** Joins {@code room}: {@code POST /join/{roomId}}. Idempotent: joining a room again changes nothing. */
    public RoomId join(RoomId room) {
        return join(room.value(), List.of());
    }

    /**
     * Joins a room by id or alias ({@code #alias:server}), through the servers {@code via} when the room
     * is not known here yet: {@code POST /join/{roomIdOrAlias}}. Idempotent.
     *
     * @return the room's id
     */
    public RoomId join(String roomIdOrAlias, List<String> via) {
        HttpUrl.Builder url = client("join", roomIdOrAlias);
        for (String server : via) {
            url.addQueryParameter("via", server);
            url.addQueryParameter("server_name", server);
        }
        return execute("POST", url, shared.json.createObjectNode(), true, null, true).id("room_id", RoomId::parse);
    }

    /** Invites {@code user} to {@code room}: {@code POST /rooms/{roomId}/invite}. */
    public void invite(RoomId room, UserId user) {
        ObjectNode body = shared.json.createObjectNode().put("user_id", user.value());
        execute("POST", client("rooms", room.value(), "invite"), body, false, null, true);
    }

    /** Leaves {@code room} (or rejects its invite): {@code POST /rooms/{roomId}/leave}. */
    public void leave(RoomId room) {
        execute("POST", client("rooms", room.value(), "leave"), shared.json.createObjectNode(), false, null, true);
    }

    /**
     * Forgets {@code room}, left before: {@code POST /rooms/{roomId}/forget}. The homeserver may then drop it
     * once no member is left.
     */
    public void forget(RoomId room) {
        execute("POST", client("rooms", room.value(), "forget"), shared.json.createObjectNode(), false, null, true);
    }

    /** Kicks {@code user} from {@code room}, with a reason if not {@code null}: {@code POST /rooms/{roomId}/kick}. */
    public void kick(RoomId room, UserId user, String reason) {
        ObjectNode body = shared.json.createObjectNode().put("user_id", user.value());
        if (reason != null) {
            body.put("reason", reason);
        }
        execute("POST", client("rooms", room.value(), "kick"), body, false, null, true);
    }

    /** The joined members of {@code room} with their display names and avatars: {@code GET /rooms/{roomId}/joined_members}. */
    public Map<UserId, JoinedMember> joinedMembers(RoomId room) {
        Answer answer = execute("GET", client("rooms", room.value(), "joined_members"), null, true, null, true);
        JsonNode joined = answer.body().get("joined");
        if (joined == null || !joined.isObject()) {
            throw MatrixException.badAnswer(answer.request(), answer.status(), "no 'joined' object");
        }
        Map<UserId, JoinedMember> members = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : joined.properties()) {
            UserId user;
            try {
                user = UserId.parse(entry.getKey());
            } catch (IllegalArgumentException e) {
                throw MatrixException.badAnswer(answer.request(), answer.status(), "malformed member id: " + e.getMessage());
            }
            members.put(user, new JoinedMember(optionalText(entry.getValue(), "display_name"),
                    optionalText(entry.getValue(), "avatar_url")));
        }
        return Collections.unmodifiableMap(members);
    }

    // ---------------------------------------------------------------------------------------------
    // Events and state

    /**
     * Sends a message event with a fresh transaction id from this client's {@link TxnIds}; retries within
     * this call reuse it. Callers that retry across calls (or restarts) must use
     * {@link #sendMessageEvent(RoomId, String, Object, String)} with an id they keep.
     */
    public EventId sendMessageEvent(RoomId room, String type, Object content) {
        return sendMessageEvent(room, type, content, newTxnId());
    }

    /**
     * Sends a message event: {@code PUT /rooms/{roomId}/send/{eventType}/{txnId}}. The homeserver answers
     * a repeated {@code txnId} (from the same token and user) with the event it made the first time, so
     * retries, here or by the caller, never send twice.
     *
     * @param content anything Jackson serializes to a JSON object
     */
    public EventId sendMessageEvent(RoomId room, String type, Object content, String txnId) {
        return execute("PUT", client("rooms", room.value(), "send", type, txnId), contentObject(content), true, null,
                true).id("event_id", EventId::parse);
    }

    /**
     * Sets a state event: {@code PUT /rooms/{roomId}/state/{eventType}/{stateKey}}.
     *
     * @param stateKey the state key, {@code ""} for room-wide state; sent path-encoded, so keys with
     *     {@code /} (such as bridge state keys) arrive intact
     */
    public EventId sendStateEvent(RoomId room, String type, String stateKey, Object content) {
        return execute("PUT", client("rooms", room.value(), "state", type, stateKey), contentObject(content), true,
                null, true).id("event_id", EventId::parse);
    }

    /**
     * The content of one state event, or empty if it is not set ({@code M_NOT_FOUND}):
     * {@code GET /rooms/{roomId}/state/{eventType}/{stateKey}}.
     */
    public Optional<JsonNode> getStateEvent(RoomId room, String type, String stateKey) {
        try {
            return Optional.of(execute("GET", client("rooms", room.value(), "state", type, stateKey), null, true,
                    null, true).body());
        } catch (MatrixException e) {
            if (e.errcode() == ErrorCode.M_NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The room an alias names: {@code GET /directory/room/{roomAlias}}. */
    public RoomId resolveAlias(String alias) {
        Answer answer = execute("GET", client("directory", "room", alias), null, true, null, true);
        JsonNode id = answer.body().path("room_id");
        if (!id.isTextual()) {
            throw MatrixException.badAnswer(answer.request(), answer.status(), "no room_id in the answer");
        }
        try {
            return RoomId.parse(id.textValue());
        } catch (IllegalArgumentException e) {
            throw MatrixException.badAnswer(answer.request(), answer.status(), "room_id: " + e.getMessage());
        }
    }

    /** One event of {@code room}, as raw JSON: {@code GET /rooms/{roomId}/event/{eventId}}. */
    public JsonNode getEvent(RoomId room, EventId event) {
        return execute("GET", client("rooms", room.value(), "event", event.value()), null, true, null, true).body();
    }

    /** The rooms the user has joined: {@code GET /joined_rooms}. */
    public List<RoomId> joinedRooms() {
        Answer answer = execute("GET", client("joined_rooms"), null, true, null, true);
        JsonNode rooms = answer.body().get("joined_rooms");
        if (rooms == null || !rooms.isArray()) {
            throw MatrixException.badAnswer(answer.request(), answer.status(), "no joined_rooms array");
        }
        List<RoomId> out = new ArrayList<>();
        for (JsonNode r : rooms) {
            out.add(RoomId.parse(r.asText()));
        }
        return Collections.unmodifiableList(out);
    }

    /** Every current state event of {@code room}, as raw JSON events: {@code GET /rooms/{roomId}/state}. */
    public List<JsonNode> getRoomState(RoomId room) {
        Answer answer = execute("GET", client("rooms", room.value(), "state"), null, true, null, true);
        if (!answer.body().isArray()) {
            throw MatrixException.badAnswer(answer.request(), answer.status(), "not a JSON array of events");
        }
        List<JsonNode> events = new ArrayList<>();
        answer.body().forEach(events::add);
        return Collections.unmodifiableList(events);
    }

    /** Sends to-device messages with a fresh transaction id; see {@link #sendToDevice(String, Map, String)}. */
    public void sendToDevice(String type, Map<UserId, ? extends Map<String, ?>> messages) {
        sendToDevice(type, messages, newTxnId());
    }

    /**
     * Sends to-device messages: {@code PUT /sendToDevice/{eventType}/{txnId}}.
     *
     * @param messages per user, per device id ({@code *} for all the user's devices), the content
     */
    public void sendToDevice(String type, Map<UserId, ? extends Map<String, ?>> messages, String txnId) {
        ObjectNode body = shared.json.createObjectNode();
        ObjectNode byUser = body.putObject("messages");
        messages.forEach((user, byDevice) -> {
            ObjectNode devices = byUser.putObject(user.value());
            byDevice.forEach((device, content) -> devices.set(device, contentObject(content)));
        });
        execute("PUT", client("sendToDevice", type, txnId), body, true, null, true);
    }

    // ---------------------------------------------------------------------------------------------
    // Account data

    /**
     * {@code user}'s global account data of {@code type} (e.g. {@code m.direct}), or empty if unset:
     * {@code GET /user/{userId}/account_data/{type}}.
     */
    public Optional<JsonNode> getAccountData(UserId user, String type) {
        try {
            return Optional.of(execute("GET", client("user", user.value(), "account_data", type), null, true, null,
                    true).body());
        } catch (MatrixException e) {
            if (e.errcode() == ErrorCode.M_NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Replaces {@code user}'s global account data of {@code type}: {@code PUT /user/{userId}/account_data/{type}}.
     * For {@code m.direct} the content maps each user id to the list of direct-chat room ids with them.
     */
    public void putAccountData(UserId user, String type, Object content) {
        execute("PUT", client("user", user.value(), "account_data", type), contentObject(content), true, null, true);
    }

    // ---------------------------------------------------------------------------------------------
    // OpenID and sync

    /**
     * An OpenID token proving to a third party that the caller is {@code user}:
     * {@code POST /user/{userId}/openid/request_token}.
     */
    public OpenIdToken requestOpenIdToken(UserId user) {
        Answer answer = execute("POST", client("user", user.value(), "openid", "request_token"),
                shared.json.createObjectNode(), false, null, true);
        JsonNode expires = answer.body().get("expires_in");
        if (expires == null || !expires.canConvertToLong()) {
            throw MatrixException.badAnswer(answer.request(), answer.status(), "no 'expires_in'");
        }
        return new OpenIdToken(answer.text("access_token"), answer.text("token_type"),
                answer.text("matrix_server_name"), Duration.ofSeconds(expires.asLong()));
    }

    /**
     * One {@code GET /sync}, returning the raw answer (take {@code next_batch} from it for the next call).
     * The read timeout of this call is the long-poll timeout plus a margin, so a quiet long poll is not
     * mistaken for a dead connection; {@link #close()} cancels it. An application service must call this
     * on a view ({@link #as}), as the specification requires.
     */
    public JsonNode sync(SyncRequest request) {
        HttpUrl.Builder url = client("sync");
        request.filter().ifPresent(filter -> url.addQueryParameter("filter", filter));
        request.since().ifPresent(since -> url.addQueryParameter("since", since));
        url.addQueryParameter("timeout", Long.toString(request.timeout().toMillis()));
        if (request.fullState()) {
            url.addQueryParameter("full_state", "true");
        }
        Duration readTimeout = request.timeout().plus(shared.syncMargin);
        return execute("GET", url, null, true, readTimeout, true).body();
    }

    // ---------------------------------------------------------------------------------------------
    // Transport

    /**
     * Cancels every call in flight through this client and all its views, which then fail with a
     * cancelled {@link MatrixNetworkException}, and refuses new ones with {@link IllegalStateException}.
     * A call waiting between two attempts finishes its wait (at most the policy's longest backoff or
     * {@link RetryPolicy#maxRetryAfter()}) and then throws its last failure instead of trying again.
     * The shared {@link OkHttpClient} stays usable by others. Idempotent.
     */
    @Override
    public void close() {
        shared.closed = true;
        for (Call call : shared.inFlight) {
            call.cancel();
        }
    }

    private HttpUrl.Builder client(String... segments) {
        HttpUrl.Builder url = shared.base.newBuilder()
                .addEncodedPathSegment("_matrix")
                .addEncodedPathSegment("client")
                .addEncodedPathSegment("v3");
        for (String segment : segments) {
            url.addEncodedPathSegment(PathSegments.encode(Objects.requireNonNull(segment, "path segment")));
        }
        return url;
    }

    private ObjectNode contentObject(Object content) {
        JsonNode node = shared.json.valueToTree(Objects.requireNonNull(content, "content"));
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("content must serialize to a JSON object, not "
                    + (node == null ? "null" : node.getNodeType()));
        }
        return (ObjectNode) node;
    }

    private static Optional<String> optionalText(JsonNode object, String field) {
        JsonNode value = object.get(field);
        return value != null && value.isTextual() ? Optional.of(value.textValue()) : Optional.empty();
    }

    /**
     * Sends a request, retrying as {@link #retry} allows.
     *
     * @param body the JSON body, or {@code null} for none
     * @param idempotent whether repeating it is harmless even if the homeserver acted on it
     * @param readTimeout a longer read timeout for this call, or {@code null}
     * @param masquerade whether a view adds its {@code user_id}
     */
    private Answer execute(String method, HttpUrl.Builder url, JsonNode body, boolean idempotent, Duration readTimeout,
                           boolean masquerade) {
        if (masquerade && actingAs != null) {
            url.addQueryParameter("user_id", actingAs.value());
        }
        HttpUrl target = url.build();
        String description = method + " " + target.encodedPath();
        byte[] bytes;
        try {
            bytes = body == null ? null : shared.json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize the body of " + description, e);
        }
        for (int attempt = 1; ; attempt++) {
            if (shared.closed) {
                throw new IllegalStateException("the Matrix client is closed");
            }
            try {
                return once(method, target, bytes, readTimeout, description);
            } catch (MatrixRequestException failure) {
                Optional<Duration> delay = retry.delayBeforeRetry(attempt, failure, idempotent);
                if (delay.isEmpty() || shared.closed) {
                    throw failure;
                }
                LOG.debug("{}; attempt {} of {}, retrying in {} ms", failure.getMessage(), attempt,
                        retry.maxAttempts(), delay.get().toMillis());
                try {
                    retry.sleep(delay.get());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure.addSuppressed(e);
                    throw failure;
                }
                if (shared.closed) {
                    throw failure;
                }
            }
        }
    }

    private Answer once(String method, HttpUrl target, byte[] body, Duration readTimeout, String description) {
        Request request = new Request.Builder()
                .url(target)
                .header("Authorization", "Bearer " + shared.accessToken)
                .header("Accept", "application/json")
                .method(method, body == null ? null : RequestBody.create(body, JSON_TYPE))
                .build();
        OkHttpClient http = shared.http;
        if (readTimeout != null && readTimeout.toMillis() > http.readTimeoutMillis()) {
            http = http.newBuilder().readTimeout(readTimeout).build();
        }
        Call call = http.newCall(request);
        shared.inFlight.add(call);
        try {
            if (shared.closed) {
                call.cancel();
            }
            try (Response response = call.execute()) {
                byte[] answer = response.body().bytes();
                if (!response.isSuccessful()) {
                    throw MatrixException.fromResponse(description, response.code(), response.header("Retry-After"),
                            answer, shared.json, shared.clock.instant());
                }
                JsonNode json;
                try {
                    json = answer.length == 0 ? shared.json.createObjectNode() : shared.json.readTree(answer);
                } catch (IOException e) {
                    throw MatrixException.badAnswer(description, response.code(), "not JSON");
                }
                return new Answer(response.code(), json, description);
            }
        } catch (IOException e) {
            throw new MatrixNetworkException(description, e, !neverSent(e), call.isCanceled());
        } finally {
            shared.inFlight.remove(call);
        }
    }

    /** Whether {@code e} shows the request never left: no connection could be made at all. */
    private static boolean neverSent(IOException e) {
        return e instanceof ConnectException || e instanceof UnknownHostException || e instanceof NoRouteToHostException;
    }

    @Override
    public String toString() {
        return "MatrixClient[" + shared.base + (actingAs == null ? "" : " as " + actingAs) + "]";
    }

    /** Builds a {@link MatrixClient}. */
    public static final class Builder {
        private final URI homeserver;
        private final String accessToken;
        private OkHttpClient http;
        private RetryPolicy retry = RetryPolicy.defaults();
        private ObjectMapper json = DEFAULT_JSON;
        private Clock clock = Clock.systemUTC();
        private TxnIds txnIds;
        private Duration syncMargin = DEFAULT_SYNC_MARGIN;

        private Builder(URI homeserver, String accessToken) {
            this.homeserver = Objects.requireNonNull(homeserver, "homeserver");
            this.accessToken = Objects.requireNonNull(accessToken, "accessToken");
            if (accessToken.isEmpty()) {
                throw new IllegalArgumentException("the access token is empty");
            }
        }

        /** The HTTP client to use (default: {@link #sharedHttpClient()}); share one across the process. */
        public Builder httpClient(OkHttpClient http) {
            this.http = Objects.requireNonNull(http, "http");
            return this;
        }

        /** The retry policy (default: {@link RetryPolicy#defaults()}). */
        public Builder retryPolicy(RetryPolicy retry) {
            this.retry = Objects.requireNonNull(retry, "retry");
            return this;
        }

        /** The mapper turning contents into JSON (default: a plain {@link ObjectMapper}). */
        public Builder objectMapper(ObjectMapper json) {
            this.json = Objects.requireNonNull(json, "json");
            return this;
        }

        /** The clock for {@code Retry-After} dates and transaction ids (default: the system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Where transaction ids for sends without one come from (default: {@code new TxnIds(clock)}). */
        public Builder txnIds(TxnIds txnIds) {
            this.txnIds = Objects.requireNonNull(txnIds, "txnIds");
            return this;
        }

        /** How much longer than its long-poll timeout a {@code /sync} may take to answer (default 30 s). */
        public Builder syncReadTimeoutMargin(Duration margin) {
            if (margin.isNegative()) {
                throw new IllegalArgumentException("the margin must not be negative, was " + margin);
            }
            this.syncMargin = margin;
            return this;
        }

        /** The client. */
        public MatrixClient build() {
            if (txnIds == null) {
                txnIds = new TxnIds(clock);
            }
            return new MatrixClient(new Shared(this), null, retry);
        }
    }
}
