package dev.driftless.state;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.driftless.host.Host;
import dev.driftless.host.HostException;
import dev.driftless.model.Ownership;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads and writes a host's {@link HostState} at /var/lib/driftless/state/HOST.json on that host.
 * It is read by every command, so it is mapped by hand on Jackson's streaming parser: binding the
 * records by reflection cost seven times as much at start-up (75 ms against 10 for 1,000 entries).
 */
public final class StateFile {

    private static final JsonFactory JSON = new JsonFactory();

    /**
     * No real state comes near this (1,000 files take 300 KiB); a file larger than this was not
     * written by Driftless, and reading it whole could exhaust the memory.
     */
    public static final long MAX_BYTES = 128L << 20;

    private StateFile() {
    }

    public static String pathFor(String host) {
        return "/var/lib/driftless/state/" + host + ".json";
    }

    /** Reads the host's state in one round trip: an empty state when it has none yet. */
    public static HostState read(Host host) {
        String path = pathFor(host.name());
        Optional<byte[]> bytes;
        try {
            bytes = host.readIfPresent(path, MAX_BYTES);
        } catch (HostException e) {
            if (e.getMessage().endsWith(" holds more than " + MAX_BYTES + " bytes")) {
                throw new HostException(host.name() + ": the state file " + path + " holds more than "
                        + (MAX_BYTES >> 20) + " MiB, which no state of Driftless does; move it away to start over"
                        + " (Driftless will then take over the files again)", e);
            }
            throw e;
        }
        return parse(host, bytes);
    }

    /** The state in what {@link Host#readIfPresent} (or {@link Host#lockAndRead}) read of {@link #pathFor}. */
    public static HostState parse(Host host, Optional<byte[]> bytes) {
        return bytes.map(b -> parsed(host, pathFor(host.name()), b)).orElseGet(() -> HostState.empty(host.name()));
    }

    private static HostState parsed(Host host, String path, byte[] bytes) {
        HostState state;
        try {
            state = parse(bytes);
        } catch (IOException | RuntimeException e) {
            throw new HostException(host.name() + ": the state file " + path + " is damaged (" + e.getMessage()
                    + "); move it away to start over (Driftless will then take over the files again)", e);
        }
        if (state.version() > HostState.VERSION) {
            throw new HostException(host.name() + ": " + path + " was written by a newer Driftless (state version "
                    + state.version() + "); upgrade Driftless");
        }
        return state;
    }

    public static void write(Host host, HostState state) {
        host.writeFile(pathFor(host.name()), format(state), new Ownership(Optional.of(0600), Optional.empty(), Optional.empty()));
    }

    static HostState parse(byte[] bytes) throws IOException {
        int version = 0;
        String host = "";
        String revision = "";
        String appliedAt = "";
        boolean complete = false;
        String healthy = "";
        Map<String, StateEntry> resources = new LinkedHashMap<>();
        List<String> pending = new ArrayList<>();
        try (JsonParser json = JSON.createParser(bytes)) {
            expect(json.nextToken(), JsonToken.START_OBJECT);
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                JsonToken value = json.nextToken();
                switch (field) {
                    case "version" -> version = json.getIntValue();
                    case "host" -> host = json.getText();
                    case "revision" -> revision = json.getText();
                    case "appliedAt" -> appliedAt = json.getText();
                    case "complete" -> complete = value == JsonToken.VALUE_TRUE;
                    case "healthy" -> healthy = json.getText();
                    case "resources" -> {
                        expect(value, JsonToken.START_OBJECT);
                        while (json.nextToken() == JsonToken.FIELD_NAME) {
                            String path = json.currentName();
                            resources.put(path, entry(json));
                        }
                    }
                    case "pendingHandlers" -> {
                        expect(value, JsonToken.START_ARRAY);
                        while (json.nextToken() == JsonToken.VALUE_STRING) {
                            pending.add(json.getText());
                        }
                    }
                    default -> json.skipChildren(); // written by a later version: not ours to interpret
                }
            }
        }
        return new HostState(version, host, revision, appliedAt, complete, resources, pending, healthy);
    }

    private static StateEntry entry(JsonParser json) throws IOException {
        expect(json.nextToken(), JsonToken.START_OBJECT);
        Map<String, String> fields = new LinkedHashMap<>();
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String name = json.currentName();
            JsonToken value = json.nextToken();
            if (value == JsonToken.VALUE_STRING) {
                fields.put(name, json.getText());
            } else if (value == JsonToken.VALUE_TRUE) {
                fields.put(name, "true");
            } else {
                json.skipChildren();
            }
        }
        if (!fields.containsKey("kind")) {
            throw new IOException("a resource has no kind");
        }
        return new StateEntry(fields.get("kind"), fields.get("service"), fields.get("sha256"), fields.get("mode"),
                fields.get("owner"), fields.get("group"), fields.get("target"), fields.get("stat"),
                "true".equals(fields.get("sensitive")) || Fingerprint.isSalted(fields.get("sha256")));
    }

    private static void expect(JsonToken actual, JsonToken expected) throws IOException {
        if (actual != expected) {
            throw new IOException("expected " + expected + " but found " + actual);
        }
    }

    static byte[] format(HostState state) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = JSON.createGenerator(out).useDefaultPrettyPrinter()) {
            json.writeStartObject();
            json.writeNumberField("version", state.version());
            json.writeStringField("host", state.host());
            json.writeStringField("revision", state.revision());
            json.writeStringField("appliedAt", state.appliedAt());
            json.writeBooleanField("complete", state.complete());
            if (!state.healthy().isEmpty()) {
                json.writeStringField("healthy", state.healthy());
            }
            json.writeObjectFieldStart("resources");
            for (Map.Entry<String, StateEntry> resource : state.resources().entrySet()) {
                StateEntry e = resource.getValue();
                json.writeObjectFieldStart(resource.getKey());
                field(json, "kind", e.kind());
                field(json, "service", e.service());
                // a sensitive file's plain hash never reaches the disk (see Fingerprint)
                field(json, "sha256", e.sensitive() && e.sha256() != null && !Fingerprint.isSalted(e.sha256())
                        ? Fingerprint.salted(e.sha256()) : e.sha256());
                field(json, "mode", e.mode());
                field(json, "owner", e.owner());
                field(json, "group", e.group());
                field(json, "target", e.target());
                field(json, "stat", e.stat());
                if (e.sensitive()) {
                    json.writeBooleanField("sensitive", true);
                }
                json.writeEndObject();
            }
            json.writeEndObject();
            json.writeArrayFieldStart("pendingHandlers");
            for (String handler : state.pendingHandlers()) {
                json.writeString(handler);
            }
            json.writeEndArray();
            json.writeEndObject();
            json.writeRaw('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the host state", e);
        }
        return out.toByteArray();
    }

    private static void field(JsonGenerator json, String name, String value) throws IOException {
        if (value != null) {
            json.writeStringField(name, value);
        }
    }
}
