package dev.byob.protocol.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.VerifyKey;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.Nonce;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.json.CanonicalJson;
import dev.byob.protocol.json.CanonicalJsonException;
import dev.byob.protocol.message.DecodeException.Code;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns {@link ByobMessage}s into event content and back. Decoding is strict: an unknown version, a
 * missing or mistyped field, a value out of range or content over {@link Limits#MAX_CONTENT_BYTES} is
 * a {@link DecodeException} naming the field. Unknown fields are ignored, as the specification asks.
 * Signatures are not checked here: see {@link SignedContent}.
 */
public final class MessageCodec {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int MAX_ID = 255;

    private MessageCodec() {}

    /** The content of {@code message}'s event, unsigned. */
    public static ObjectNode encode(ByobMessage message) {
        ObjectNode o = NODES.objectNode();
        o.put("version", ByobMessage.VERSION);
        o.put("txn_id", message.txnId().value());
        switch (message.type()) {
            case REQUEST: {
                Request m = (Request) message;
                o.put("hb_bot", m.hbBot().value());
                subject(o, m.userId(), m.network());
                o.put("remote_account", m.remoteAccount().name());
                ObjectNode vb = o.putObject("vb");
                vb.put("bot", m.vb().bot().value());
                ObjectNode key = vb.putObject("key");
                key.put("key_id", m.vb().key().keyId().toString());
                key.put("public_key", m.vb().key().publicKeyBase64());
                strings(o.putArray("matrix_proof_methods"), m.matrixProofMethods());
                strings(o.putArray("remote_proof_methods"), m.remoteProofMethods());
                break;
            }
            case CHALLENGE: {
                Challenge m = (Challenge) message;
                ObjectNode mp = o.putObject("matrix_proof");
                mp.put("method", m.matrixProof().method());
                mp.put("nonce", m.matrixProof().nonce().value());
                m.matrixProof().roomId().ifPresent(r -> mp.put("room_id", r.value()));
                ObjectNode rp = o.putObject("remote_proof");
                rp.put("method", m.remoteProof().method());
                rp.put("nonce", m.remoteProof().nonce().value());
                rp.put("target", m.remoteProof().target());
                o.put("expires_at", m.expiresAt());
                break;
            }
            case MATRIX_PROOF: {
                MatrixProof m = (MatrixProof) message;
                o.put("hb_bot", m.hbBot().value());
                o.put("nonce", m.nonce().value());
                break;
            }
            case ANSWER: {
                Answer m = (Answer) message;
                o.put("hb_bot", m.hbBot().value());
                subject(o, m.userId(), m.network());
                o.put("remote_account", m.remoteAccount().name());
                ObjectNode mp = o.putObject("matrix_proof");
                mp.put("method", m.matrixProof().method());
                m.matrixProof().eventId().ifPresent(e -> mp.put("event_id", e.value()));
                m.matrixProof().roomId().ifPresent(r -> mp.put("room_id", r.value()));
                m.matrixProof().openid().ifPresent(t -> {
                    ObjectNode token = mp.putObject("openid");
                    token.put("access_token", t.accessToken());
                    token.put("matrix_server_name", t.matrixServerName());
                });
                o.putObject("remote_proof").put("method", m.remoteProof().method());
                o.put("matrix_nonce_sha256", m.matrixNonceSha256());
                o.put("remote_nonce_sha256", m.remoteNonceSha256());
                break;
            }
            case ACCEPT: {
                Accept m = (Accept) message;
                o.put("epoch", m.epoch());
                o.put("established_at", m.establishedAt());
                ObjectNode lease = o.putObject("lease");
                lease.put("lease_ms", m.lease().leaseMs());
                lease.put("heartbeat_interval_ms", m.lease().heartbeatIntervalMs());
                break;
            }
            case CANCEL: {
                Cancel m = (Cancel) message;
                o.put("code", m.code().value());
                o.put("reason", m.reason());
                break;
            }
            case HEARTBEAT: {
                Heartbeat m = (Heartbeat) message;
                subject(o, m.userId(), m.network());
                o.put("epoch", m.epoch());
                o.put("seq", m.seq());
                o.put("fill_ack", m.fillAck());
                break;
            }
            case LEASE: {
                Lease m = (Lease) message;
                subject(o, m.userId(), m.network());
                o.put("epoch", m.epoch());
                o.put("seq", m.seq());
                o.put("lease_ms", m.leaseMs());
                ArrayNode filled = o.putArray("filled_in");
                for (Lease.FillIn f : m.filledIn()) {
                    ObjectNode e = filled.addObject();
                    e.put("fill_seq", f.fillSeq());
                    e.put("direction", f.direction().wire());
                    f.matrixEventId().ifPresent(id -> e.put("matrix_event_id", id.value()));
                    f.remoteMsgid().ifPresent(id -> e.put("remote_msgid", id));
                    f.roomId().ifPresent(id -> e.put("room_id", id.value()));
                    e.put("sent_at", f.sentAt());
                }
                o.put("more", m.more());
                break;
            }
            case RELEASE: {
                Release m = (Release) message;
                subject(o, m.userId(), m.network());
                o.put("epoch", m.epoch());
                m.reason().ifPresent(r -> o.put("reason", r));
                break;
            }
            case REVOKED: {
                Revoked m = (Revoked) message;
                subject(o, m.userId(), m.network());
                o.put("epoch", m.epoch());
                o.put("code", m.code().value());
                o.put("reason", m.reason());
                break;
            }
            default:
                throw new AssertionError(message.type());
        }
        return o;
    }

    private static void subject(ObjectNode o, UserId user, Network network) {
        o.put("user_id", user.value());
        ObjectNode n = o.putObject("network");
        n.put("protocol", network.protocol());
        n.put("id", network.id());
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }

    /**
     * Decodes the content of an event of type {@code eventType}.
     *
     * @throws DecodeException with {@link Code#UNKNOWN_TYPE} when the type is not a byob type (check
     *     {@link MessageType#fromEventType} first to ignore other events quietly), or the first rule broken
     */
    public static ByobMessage decode(String eventType, JsonNode content) throws DecodeException {
        MessageType type = MessageType.fromEventType(eventType)
                .orElseThrow(() -> new DecodeException(Code.UNKNOWN_TYPE, "", "'" + eventType + "' is not a byob event type"));
        if (content == null || !content.isObject()) {
            throw new DecodeException(Code.MALFORMED_JSON, "", "content must be a JSON object");
        }
        checkSize(content);
        ContentReader r = new ContentReader((ObjectNode) content, "");
        long version = r.integer("version", Long.MIN_VALUE, Long.MAX_VALUE);
        if (version != ByobMessage.VERSION) {
            throw new DecodeException(Code.UNSUPPORTED_VERSION, "/version",
                    "version " + version + " is not supported; this implementation speaks " + ByobMessage.VERSION);
        }
        TxnId txnId = r.parsed("txn_id", TxnId::new);
        switch (type) {
            case REQUEST: {
                UserId hbBot = r.parsed("hb_bot", UserId::new);
                UserId user = r.parsed("user_id", UserId::new);
                Network network = network(r);
                RemoteAccount account = r.parsed("remote_account", RemoteAccount::new);
                ContentReader vb = r.object("vb");
                UserId bot = vb.parsed("bot", UserId::new);
                ContentReader key = vb.object("key");
                KeyId keyId = key.parsed("key_id", KeyId::parse);
                VerifyKey verifyKey = ContentReader.parse(key.string("public_key", 1, 64), key.pointer("public_key"),
                        b64 -> VerifyKey.fromBase64(keyId, b64));
                List<String> matrix = r.strings("matrix_proof_methods", 1, 8, 64);
                List<String> remote = r.strings("remote_proof_methods", 1, 8, 64);
                return r.build(() -> new Request(txnId, hbBot, user, network, account,
                        new VisitingBridgeId(bot, verifyKey), matrix, remote));
            }
            case CHALLENGE: {
                ContentReader mp = r.object("matrix_proof");
                String mMethod = mp.string("method", 1, 64);
                Nonce mNonce = mp.parsed("nonce", Nonce::new);
                Optional<RoomId> room = mp.optionalParsed("room_id", RoomId::new);
                if (mMethod.equals(ProofMethods.MATRIX_ROOM_EVENT) && room.isEmpty()) {
                    throw new DecodeException(Code.MISSING_FIELD, mp.pointer("room_id"), "required for room_event");
                }
                if (!mMethod.equals(ProofMethods.MATRIX_ROOM_EVENT) && ProofMethods.MATRIX_ALL.contains(mMethod)
                        && room.isPresent()) {
                    throw new DecodeException(Code.INVALID_FORMAT, mp.pointer("room_id"), "only for room_event");
                }
                ContentReader rp = r.object("remote_proof");
                String rMethod = rp.string("method", 1, 64);
                Nonce rNonce = rp.parsed("nonce", Nonce::new);
                String target = rp.string("target", 1, MAX_ID);
                long expiresAt = r.integer("expires_at", 0, Limits.MAX_SAFE_INTEGER);
                return r.build(() -> new Challenge(txnId, new Challenge.MatrixChallenge(mMethod, mNonce, room),
                        new Challenge.RemoteChallenge(rMethod, rNonce, target), expiresAt));
            }
            case MATRIX_PROOF: {
                UserId hbBot = r.parsed("hb_bot", UserId::new);
                Nonce nonce = r.parsed("nonce", Nonce::new);
                return r.build(() -> new MatrixProof(txnId, hbBot, nonce));
            }
            case ANSWER: {
                UserId hbBot = r.parsed("hb_bot", UserId::new);
                UserId user = r.parsed("user_id", UserId::new);
                Network network = network(r);
                RemoteAccount account = r.parsed("remote_account", RemoteAccount::new);
                ContentReader mp = r.object("matrix_proof");
                String mMethod = mp.string("method", 1, 64);
                Optional<EventId> eventId = mp.optionalParsed("event_id", EventId::new);
                Optional<RoomId> roomId = mp.optionalParsed("room_id", RoomId::new);
                Optional<Answer.OpenIdToken> openid = Optional.empty();
                Optional<ContentReader> token = mp.optionalObject("openid");
                if (token.isPresent()) {
                    String access = token.get().string("access_token", 1, 1024);
                    String server = token.get().string("matrix_server_name", 1, MAX_ID);
                    openid = Optional.of(token.get().build(() -> new Answer.OpenIdToken(access, server)));
                }
                String missing = Answer.MatrixEvidence.missingFor(mMethod, eventId.isPresent(), roomId.isPresent(),
                        openid.isPresent());
                if (missing != null) {
                    throw new DecodeException(Code.MISSING_FIELD, mp.pointer(missing), "required for " + mMethod);
                }
                String rMethod = r.object("remote_proof").string("method", 1, 64);
                String mHash = r.parsed("matrix_nonce_sha256", MessageCodec::sha256);
                String rHash = r.parsed("remote_nonce_sha256", MessageCodec::sha256);
                Answer.MatrixEvidence evidence = new Answer.MatrixEvidence(mMethod, eventId, roomId, openid);
                return r.build(() -> new Answer(txnId, hbBot, user, network, account, evidence,
                        new Answer.RemoteEvidence(rMethod), mHash, rHash));
            }
            case ACCEPT: {
                long epoch = r.integer("epoch", 1, Limits.MAX_SAFE_INTEGER);
                long established = r.integer("established_at", 0, Limits.MAX_SAFE_INTEGER);
                ContentReader lease = r.object("lease");
                long leaseMs = lease.integer("lease_ms", 1_000, 86_400_000L);
                long interval = lease.integer("heartbeat_interval_ms", 1_000, leaseMs - 1);
                Accept.LeaseTerms terms = lease.build(() -> new Accept.LeaseTerms(leaseMs, interval));
                return r.build(() -> new Accept(txnId, epoch, established, terms));
            }
            case CANCEL: {
                CancelCode code = r.parsed("code", CancelCode::new);
                String reason = r.string("reason", 0, Limits.MAX_REASON);
                return r.build(() -> new Cancel(txnId, code, reason));
            }
            case HEARTBEAT: {
                UserId user = r.parsed("user_id", UserId::new);
                Network network = network(r);
                long epoch = r.integer("epoch", 1, Limits.MAX_SAFE_INTEGER);
                long seq = r.integer("seq", 1, Limits.MAX_SAFE_INTEGER);
                long fillAck = r.integer("fill_ack", 0, Limits.MAX_SAFE_INTEGER);
                return r.build(() -> new Heartbeat(txnId, user, network, epoch, seq, fillAck));
            }
            case LEASE: {
                UserId user = r.parsed("user_id", UserId::new);
                Network network = network(r);
                long epoch = r.integer("epoch", 1, Limits.MAX_SAFE_INTEGER);
                long seq = r.integer("seq", 1, Limits.MAX_SAFE_INTEGER);
                long leaseMs = r.integer("lease_ms", 1_000, 86_400_000L);
                List<Lease.FillIn> filled = new ArrayList<>();
                for (ContentReader f : r.objects("filled_in", Lease.MAX_FILLED_IN)) {
                    Lease.FillIn entry = fillIn(f);
                    if (!filled.isEmpty() && entry.fillSeq() <= filled.get(filled.size() - 1).fillSeq()) {
                        throw new DecodeException(Code.INVALID_FORMAT, f.pointer("fill_seq"),
                                "filled_in is in ascending fill_seq order");
                    }
                    filled.add(entry);
                }
                boolean more = r.bool("more");
                return r.build(() -> new Lease(txnId, user, network, epoch, seq, leaseMs, filled, more));
            }
            case RELEASE: {
                UserId user = r.parsed("user_id", UserId::new);
                Network network = network(r);
                long epoch = r.integer("epoch", 1, Limits.MAX_SAFE_INTEGER);
                Optional<String> reason = r.optionalString("reason", 0, Limits.MAX_REASON);
                return r.build(() -> new Release(txnId, user, network, epoch, reason));
            }
            case REVOKED: {
                UserId user = r.parsed("user_id", UserId::new);
                Network network = network(r);
                long epoch = r.integer("epoch", 1, Limits.MAX_SAFE_INTEGER);
                RevokeCode code = r.parsed("code", RevokeCode::new);
                String reason = r.string("reason", 0, Limits.MAX_REASON);
                return r.build(() -> new Revoked(txnId, user, network, epoch, code, reason));
            }
            default:
                throw new AssertionError(type);
        }
    }

    private static Lease.FillIn fillIn(ContentReader f) throws DecodeException {
        long seq = f.integer("fill_seq", 1, Limits.MAX_SAFE_INTEGER);
        Lease.Direction direction = f.parsed("direction", d -> Lease.Direction.fromWire(d)
                .orElseThrow(() -> new IllegalArgumentException("direction is to_remote or to_matrix")));
        Optional<EventId> event = f.optionalParsed("matrix_event_id", EventId::new);
        Optional<String> msgid = f.optionalString("remote_msgid", 1, MAX_ID);
        Optional<RoomId> room = f.optionalParsed("room_id", RoomId::new);
        long sentAt = f.integer("sent_at", 0, Limits.MAX_SAFE_INTEGER);
        return f.build(() -> new Lease.FillIn(seq, direction, event, msgid, room, sentAt));
    }

    private static String sha256(String digest) {
        Limits.sha256(digest, "digest");
        return digest;
    }

    private static Network network(ContentReader r) throws DecodeException {
        ContentReader n = r.object("network");
        String protocol = n.string("protocol", 1, 32);
        ContentReader.parse(protocol, n.pointer("protocol"), Network::checkProtocol);
        String id = n.string("id", 1, 64);
        ContentReader.parse(id, n.pointer("id"), Network::checkId);
        return new Network(protocol, id);
    }

    /** Rejects content whose canonical form exceeds the limit, or that has no canonical form. */
    static byte[] checkSize(JsonNode content) throws DecodeException {
        byte[] canonical;
        try {
            canonical = CanonicalJson.encode(content);
        } catch (CanonicalJsonException e) {
            Code code = e.reason() == CanonicalJsonException.Reason.INTEGER_OUT_OF_RANGE ? Code.OUT_OF_RANGE : Code.WRONG_TYPE;
            throw new DecodeException(code, e.path(), e.getMessage(), e);
        }
        if (canonical.length > Limits.MAX_CONTENT_BYTES) {
            throw new DecodeException(Code.TOO_LARGE, "",
                    "content is " + canonical.length + " bytes; the limit is " + Limits.MAX_CONTENT_BYTES);
        }
        return canonical;
    }
}
