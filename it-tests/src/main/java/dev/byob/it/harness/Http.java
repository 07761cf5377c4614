package dev.byob.it.harness;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;

/** The one HTTP client and JSON mapper the harness and fixtures share. */
public final class Http {
    /** Shared client; derive per-call settings with {@code CLIENT.newBuilder()}. */
    public static final OkHttpClient CLIENT = new OkHttpClient.Builder()
            .connectTimeout(Duration.ofSeconds(10))
            .readTimeout(Duration.ofSeconds(30))
            .writeTimeout(Duration.ofSeconds(30))
            .retryOnConnectionFailure(false)
            .build();

    /** Shared JSON mapper; tolerant of fields the tests do not model. */
    public static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** {@code application/json}. */
    public static final MediaType JSON_TYPE = MediaType.get("application/json");

    private Http() {
    }
}
