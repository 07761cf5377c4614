package dev.byob.kit.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.protocol.id.UserId;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpenIdUserInfoTest {
    private MockWebServer server;
    private OpenIdUserInfo userInfo;

    @BeforeEach
    void start() throws IOException {
        server = new MockWebServer();
        server.start(InetAddress.getLoopbackAddress(), 0);
        // Other servers "resolve" to this loopback server: the guard must refuse to contact them.
        ServerNameResolver toLoopback = new ServerNameResolver(h -> Optional.empty(),
                n -> List.of(new ServerNameResolver.SrvRecord(0, 0, server.getPort(), "localhost.")));
        userInfo = new OpenIdUserInfo(new OkHttpClient(), "home.example",
                URI.create(server.url("/").toString()), toLoopback);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private void answer(int code, String body) {
        server.enqueue(new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json")
                .body(body).build());
    }

    @Test
    void ownServer_isAskedAtItsConfiguredUrl_andItsAnswerRead() throws Exception {
        answer(200, "{\"sub\":\"@alice:home.example\"}");
        assertEquals(Optional.of(UserId.parse("@alice:home.example")), userInfo.lookup("home.example", "tok/1"));
        RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
        assertEquals("/_matrix/federation/v1/openid/userinfo?access_token=tok%2F1", request.getTarget());

        answer(401, "{\"errcode\":\"M_UNKNOWN_TOKEN\"}");
        assertEquals(Optional.empty(), userInfo.lookup("home.example", "old"));
        answer(200, "{}");
        assertThrows(IOException.class, () -> userInfo.lookup("home.example", "x"));
        answer(500, "{}");
        assertThrows(IOException.class, () -> userInfo.lookup("home.example", "x"));
    }

    @Test
    void otherServers_atInternalAddresses_areNeverContacted() {
        for (String name : List.of("elsewhere.example", "127.0.0.1:" + server.getPort(), "10.1.2.3", "[::1]:8448")) {
            IOException e = assertThrows(IOException.class, () -> userInfo.lookup(name, "tok"), name);
            assertTrue(e.getMessage().contains("internal address"), e.getMessage());
        }
        assertEquals(0, server.getRequestCount());
        assertThrows(IOException.class, () -> userInfo.lookup("not a name", "tok"));
    }

    @Test
    void isPublic_refusesEveryInternalRange() throws Exception {
        for (String internal : List.of("127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
                "0.0.0.0", "100.64.0.1", "198.18.0.1", "224.0.0.1", "255.255.255.255", "::1", "fe80::1", "fd00::1")) {
            assertFalse(OpenIdUserInfo.isPublic(InetAddress.getByName(internal)), internal);
        }
        for (String external : List.of("8.8.8.8", "1.1.1.1", "2001:4860:4860::8888")) {
            assertTrue(OpenIdUserInfo.isPublic(InetAddress.getByName(external)), external);
        }
    }
}
