package dev.byob.it.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SharedSecretRegistrationTest {

    // Expected values computed independently with Python's hmac module, as Synapse's own script does.
    @Test
    void mac_notAdmin_matchesSynapsesConstruction() {
        assertEquals("f9b5e1dbfecb7b1d1b89cbd7a2fd60853cf609f4",
                SharedSecretRegistration.mac("secret", "nonce", "alice", "pw", false));
    }

    @Test
    void mac_admin_matchesSynapsesConstruction() {
        assertEquals("d7b3ebc9fec30d9bed19eb81e3902aa4ad214333",
                SharedSecretRegistration.mac("secret", "nonce", "alice", "pw", true));
    }
}
