package dev.byob.hosting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hosting-bridge run} as its own process: it starts, serves, and stops cleanly on SIGTERM. */
class HostingBridgeProcessTest {
    @TempDir
    Path dir;

    @Test
    void run_untilSigterm_servesThenStopsCleanly() throws Exception {
        int port = MainTest.freePort();
        Path config = MainTest.exampleConfig(dir, port);
        assertEquals(0, MainTest.run("generate-registration", "-c", config.toString()).exit());
        Path log = dir.resolve("bridge.log");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "run", "-c", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int status = 0;
            while (status != 200 && System.nanoTime() < deadline && process.isAlive()) {
                try {
                    status = http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (IOException notYet) {
                    Thread.sleep(100);
                }
            }
            assertEquals(200, status, "not ready; log:\n" + Files.readString(log));
            assertTrue(Files.isDirectory(dir.resolve("data")), "the data directory is created");

            process.destroy();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "stops after SIGTERM");
            assertEquals(143, process.exitValue(), "terminated by SIGTERM after the shutdown hook");
            String output = Files.readString(log);
            assertTrue(output.contains("stopping"), output);
            assertTrue(output.contains("application-service API stopped"), output);
        } finally {
            process.destroyForcibly();
        }
    }
}
