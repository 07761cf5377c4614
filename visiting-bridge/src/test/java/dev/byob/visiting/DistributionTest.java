package dev.byob.visiting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The install tree and the systemd unit agree with each other and with the README's Raspberry Pi OS guide: the
 * unit runs the launcher where the guide unpacks it, as the user the guide creates, with the configuration and
 * data directories the guide fills; it is hardened; and {@code systemd-analyze verify} accepts it.
 */
class DistributionTest {
    private static final Path UNIT = Path.of("src/dist/systemd/visiting-bridge.service");
    private static final Path ASSEMBLY = Path.of("src/assembly/dist.xml");
    private static final Path LAUNCHER = Path.of("src/dist/bin/visiting-bridge");
    private static final Path README = Path.of("README.md");
    /** Where the guide unpacks the install tree. */
    private static final String INSTALL_PARENT = "/opt";

    @TempDir
    Path dir;

    @Test
    void unit_runsTheLauncherWhereTheInstallTreePutsIt() throws IOException {
        Map<String, List<String>> service = section(UNIT, "Service");
        String assembly = Files.readString(ASSEMBLY);
        String base = tag(assembly, "baseDirectory");
        assertTrue(assembly.contains("<source>" + LAUNCHER + "</source>\n      <outputDirectory>bin</outputDirectory>"),
                "the install tree puts the launcher in bin/: " + assembly);
        String launcher = INSTALL_PARENT + "/" + base + "/bin/visiting-bridge";
        assertEquals(List.of(launcher + " run -c /etc/visiting-bridge/config.yaml"), service.get("ExecStart"));
        assertTrue(Files.isExecutable(LAUNCHER), LAUNCHER + " is executable");
    }

    @Test
    void unit_usesTheUserAndDirectoriesOfTheGuide() throws IOException {
        Map<String, List<String>> service = section(UNIT, "Service");
        String readme = Files.readString(README);
        String user = one(service, "User");
        assertEquals(user, one(service, "Group"));
        assertTrue(readme.contains("adduser --system --group --home /var/lib/" + one(service, "StateDirectory") + " "
                + user), "the guide creates the user with the state directory as home");
        assertTrue(readme.contains("sudo tar -xzf byob-visiting-bridge-*-dist.tar.gz -C " + INSTALL_PARENT),
                "the guide unpacks to " + INSTALL_PARENT);
        assertTrue(readme.contains("/etc/" + one(service, "ConfigurationDirectory") + "/config.yaml"));
        assertTrue(readme.contains("data_dir: /var/lib/" + one(service, "StateDirectory")),
                "the guide's data_dir is the unit's state directory");
        assertEquals("/var/lib/" + one(service, "StateDirectory"), one(service, "WorkingDirectory"));
        assertTrue(readme.contains("sudo -u " + user + " " + INSTALL_PARENT + "/visiting-bridge/bin/visiting-bridge"
                + " login -c /etc/visiting-bridge/config.yaml"), "login runs as the service's user");
        assertTrue(readme.contains("sudo systemctl enable --now visiting-bridge"));
        assertTrue(readme.contains("journalctl -u visiting-bridge"));
    }

    @Test
    void unit_isHardened_andRestartsOnFailureOnly() throws IOException {
        Map<String, List<String>> service = section(UNIT, "Service");
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("NoNewPrivileges", "yes");
        expected.put("ProtectSystem", "strict");
        expected.put("ProtectHome", "yes");
        expected.put("PrivateTmp", "yes");
        expected.put("PrivateDevices", "yes");
        expected.put("CapabilityBoundingSet", "");
        expected.put("StateDirectoryMode", "0700");
        expected.put("UMask", "0077");
        expected.put("Restart", "on-failure");
        expected.put("RestartPreventExitStatus", Integer.toString(Main.EXIT_USAGE));
        expected.forEach((key, value) -> assertEquals(value, one(service, key), key));
        assertTrue(one(service, "RestrictAddressFamilies").contains("AF_INET6"));
        assertTrue(!service.containsKey("MemoryDenyWriteExecute"), "the JVM's compiler needs writable code");
        assertEquals(List.of("multi-user.target"), section(UNIT, "Install").get("WantedBy"));
    }

    @Test
    void systemdAnalyzeVerify_acceptsTheUnit() throws IOException, InterruptedException {
        // It reports unknown keys and bad values as warnings with a zero exit code, each naming the unit: there must
        // be none. (The host's own units may draw warnings in a foreign root; they are not this unit's.)
        List<String> ours = verify(Files.readString(UNIT)).lines().filter(l -> l.contains("visiting-bridge")).toList();
        assertEquals(List.of(), ours);
    }

    @Test
    void systemdAnalyzeVerify_wouldReportAMistake() throws IOException, InterruptedException {
        String out = verify(Files.readString(UNIT).replace("ProtectSystem=strict", "ProtectSytem=strict"));
        assertTrue(out.contains("Unknown key 'ProtectSytem'"), out);
    }

    /**
     * The output of {@code systemd-analyze verify} for {@code unit}, in a root with the host's units, the unit, and
     * the launcher where the unit names it; failing if it exits non-zero.
     */
    private String verify(String unit) throws IOException, InterruptedException {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        Assumptions.assumeTrue(Files.isExecutable(analyze), "systemd-analyze is not installed");
        Path root = dir.resolve("root");
        Files.createDirectories(root.resolve("usr/lib/systemd"));
        Files.createSymbolicLink(root.resolve("usr/lib/systemd/system"), Path.of("/usr/lib/systemd/system"));
        Path units = Files.createDirectories(root.resolve("etc/systemd/system"));
        Files.writeString(units.resolve("visiting-bridge.service"), unit);
        Path bin = Files.createDirectories(root.resolve("opt/visiting-bridge/bin"));
        Files.copy(LAUNCHER, bin.resolve("visiting-bridge"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Process p = new ProcessBuilder(analyze.toString(), "verify", "--man=no", "--root=" + root,
                "visiting-bridge.service").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "systemd-analyze verify finishes");
        assertEquals(0, p.exitValue(), out);
        return out.strip();
    }

    /** The keys of {@code [name]} in a unit file, each with its values in order. */
    private static Map<String, List<String>> section(Path unit, String name) throws IOException {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        String current = null;
        for (String raw : Files.readAllLines(unit)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                current = line.substring(1, line.length() - 1);
                continue;
            }
            int eq = line.indexOf('=');
            assertTrue(current != null && eq > 0, unit + ": not a key=value line in a section: " + raw);
            if (current.equals(name)) {
                keys.computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>())
                        .add(line.substring(eq + 1).strip());
            }
        }
        return keys;
    }

    private static String one(Map<String, List<String>> section, String key) {
        List<String> values = section.get(key);
        assertTrue(values != null && values.size() == 1, key + " is set once: " + values);
        return values.get(0);
    }

    private static String tag(String xml, String name) {
        Matcher m = Pattern.compile("<" + name + ">([^<]*)</" + name + ">").matcher(xml);
        assertTrue(m.find(), "no <" + name + ">");
        return m.group(1);
    }
}
