package dev.driftless.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.driftless.host.Host;
import dev.driftless.host.HostException;
import dev.driftless.host.LiveEntry;
import dev.driftless.model.Ownership;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/** Reads and writes a host's {@link HostState} at /var/lib/driftless/state/HOST.json on that host. */
public final class StateFile {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private StateFile() {
    }

    public static String pathFor(String host) {
        return "/var/lib/driftless/state/" + host + ".json";
    }

    /** Reads the state given the inspected entry of {@link #pathFor}, so reading costs no extra round trip. */
    public static HostState read(Host host, LiveEntry entry) {
        if (!(entry instanceof LiveEntry.File)) {
            return HostState.empty(host.name());
        }
        String path = pathFor(host.name());
        byte[] bytes = host.read(path);
        try {
            HostState state = JSON.readValue(bytes, HostState.class);
            if (state.version() > HostState.VERSION) {
                throw new HostException(host.name() + ": " + path + " was written by a newer Driftless (state version "
                        + state.version() + "); upgrade Driftless");
            }
            return state;
        } catch (IOException e) {
            throw new HostException(host.name() + ": the state file " + path + " is damaged (" + e.getMessage()
                    + "); move it away to start over (Driftless will then take over the files again)", e);
        }
    }

    public static void write(Host host, HostState state) {
        try {
            byte[] bytes = (JSON.writeValueAsString(state) + "\n").getBytes(StandardCharsets.UTF_8);
            host.writeFile(pathFor(host.name()), bytes,
                    new Ownership(Optional.of(0600), Optional.empty(), Optional.empty()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the host state", e);
        }
    }

}
