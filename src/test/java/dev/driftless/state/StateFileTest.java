package dev.driftless.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.host.HostException;
import dev.driftless.host.LocalHost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host state survives a round trip through its file, and a damaged file is a clear error. */
class StateFileTest {

    @TempDir
    Path root;

    private final HostState state = new HostState(1, "web-1", "abc123", "2026-11-23T10:00:00Z", true, Map.of(
            "/etc/motd", new StateEntry("file", "motd", "00ff", "0644", "root", null, null, "1:2:3:4:5", false),
            "/srv/www", new StateEntry("directory", "nginx", null, null, null, "www-data", null, null, false),
            "/etc/site \"quoted\"", new StateEntry("symlink", "nginx", null, null, null, null, "/a/b", null, false)),
            List.of("nginx/reload"));

    @Test
    void whatIsWrittenIsReadBackUnchanged() throws IOException {
        LocalHost host = new LocalHost("web-1", Optional.of(root));

        StateFile.write(host, state);
        HostState read = StateFile.read(host);

        assertThat(read).isEqualTo(state);
        assertThat((Integer) Files.getAttribute(root.resolve("var/lib/driftless/state/web-1.json"), "unix:mode") & 0777)
                .isEqualTo(0600);
    }

    @Test
    void fieldsOfALaterVersionAreSkipped() throws IOException {
        String json = new String(StateFile.format(state), StandardCharsets.UTF_8)
                .replace("\"complete\"", "\"future\" : {\"a\": [1, {\"b\": 2}]}, \"complete\"");

        assertThat(StateFile.parse(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(state);
    }

    @Test
    void aDamagedStateFileIsAClearErrorSayingWhatToDo() throws IOException {
        LocalHost host = new LocalHost("web-1", Optional.of(root));
        Path file = root.resolve("var/lib/driftless/state/web-1.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{\"version\": 1, \"resources\": {\"/x\": ");

        assertThatThrownBy(() -> StateFile.read(host))
                .isInstanceOf(HostException.class)
                .hasMessageContaining("the state file /var/lib/driftless/state/web-1.json is damaged")
                .hasMessageContaining("move it away to start over");
    }

    @Test
    void aStateFileGrownBeyondAnyRealStateIsAClearErrorAndIsNotRead() throws IOException {
        LocalHost host = new LocalHost("web-1", Optional.of(root));
        StateFile.write(host, state);
        try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(
                root.resolve("var/lib/driftless/state/web-1.json").toFile(), "rw")) {
            file.setLength(StateFile.MAX_BYTES + 1); // sparse
        }

        assertThatThrownBy(() -> StateFile.read(host))
                .isInstanceOf(HostException.class)
                .hasMessageContaining("the state file /var/lib/driftless/state/web-1.json holds more than 128 MiB")
                .hasMessageContaining("move it away to start over");
    }
}
