package dev.byob.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.cli.LoopbackHomeserver;
import dev.byob.protocol.id.UserId;
import java.net.URI;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Password login and logout against a stand-in homeserver on loopback. */
class PasswordLoginTest {
    private static final UserId ALICE = UserId.parse("@alice:example.org");
    @RegisterExtension
    final LoopbackHomeserver hs = new LoopbackHomeserver();
    private final MockWebServer server = hs.server;

    private URI base() {
        return hs.base();
    }

    @Test
    void login_acceptedPassword_returnsTheToken() throws Exception {
        hs.answer(200, "{\"access_token\":\"tok\",\"user_id\":\"@alice:example.org\",\"device_id\":\"D\"}");

        assertEquals("tok", PasswordLogin.login(base(), ALICE, "pw"));

        RecordedRequest request = server.takeRequest();
        assertEquals("/_matrix/client/v3/login", request.getUrl().encodedPath());
        String body = request.getBody().utf8();
        assertTrue(body.contains("\"m.login.password\"") && body.contains("\"@alice:example.org\""), body);
    }

    @Test
    void login_refusedPassword_throwsWithTheErrcodeButNotThePassword() {
        hs.answer(403, "{\"errcode\":\"M_FORBIDDEN\",\"error\":\"Invalid username or password\"}");

        WireException e = assertThrows(WireException.class, () -> PasswordLogin.login(base(), ALICE, "s3cret"));

        assertTrue(e.getMessage().contains("M_FORBIDDEN"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }

    @Test
    void logout_sendsTheToken_andIgnoresAFailure() throws Exception {
        hs.answer(200, "{}");
        hs.answer(500, "{\"errcode\":\"M_UNKNOWN\"}");

        PasswordLogin.logout(base(), "tok");
        PasswordLogin.logout(base(), "tok2");

        RecordedRequest request = server.takeRequest();
        assertEquals("/_matrix/client/v3/logout", request.getUrl().encodedPath());
        assertEquals("Bearer tok", request.getHeaders().get("Authorization"));
    }
}
