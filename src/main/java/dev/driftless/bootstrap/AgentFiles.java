package dev.driftless.bootstrap;

import dev.driftless.host.Host;
import dev.driftless.host.LiveEntry;
import dev.driftless.model.Ownership;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The files under /etc/driftless that the agent of a bootstrapped machine runs with: the credentials and
 * agent.yaml naming them. Each is written only when its content or attributes differ, atomically and readable by
 * root alone from its first byte (the {@link Host}'s write), so a second bootstrap changes nothing.
 */
final class AgentFiles {

    /** The folder; the package makes it (0755): dpkg would put a shipped folder's mode back on every upgrade. */
    static final String DIR = "/etc/driftless";
    static final String CONFIG = DIR + "/agent.yaml";

    /** Every file bootstrap writes is root's alone: agent.yaml names no secret, but one may be added to it. */
    private static final int FILE_MODE = 0600;
    private static final int DIR_MODE = 0755;
    private static final Optional<String> ROOT = Optional.of("root");

    private final Host machine;

    AgentFiles(Host machine) {
        this.machine = machine;
    }

    /** Where a credential is installed. */
    static String path(Credentials.Kind kind) {
        return DIR + "/" + kind.file();
    }

    /** The folder, each credential, then agent.yaml: what each step did. */
    List<Step> install(Credentials credentials, Bootstrap.Request request) {
        List<Step> steps = new ArrayList<>();
        List<String> paths = new ArrayList<>(List.of(DIR, CONFIG));
        credentials.kinds().forEach(k -> paths.add(path(k)));
        Map<String, LiveEntry> live = machine.inspect(paths);
        if (live.get(DIR) instanceof LiveEntry.Missing) {
            machine.makeDirectory(DIR, new Ownership(Optional.of(DIR_MODE), ROOT, ROOT));
            steps.add(new Step(Step.Action.CREATED, DIR, Ownership.formatMode(DIR_MODE)));
        }
        for (Credentials.Kind kind : credentials.kinds()) {
            steps.add(put(path(kind), credentials.get(kind).orElseThrow(), live.get(path(kind))));
        }
        steps.add(put(CONFIG, config(request, credentials).getBytes(StandardCharsets.UTF_8), live.get(CONFIG)));
        return steps;
    }

    private Step put(String path, byte[] content, LiveEntry live) {
        String detail = Ownership.formatMode(FILE_MODE) + ", root";
        if (live instanceof LiveEntry.File file && file.sha256().equals(sha256(content)) && file.mode() == FILE_MODE
                && file.owner().equals("root") && file.group().equals("root")) {
            return new Step(Step.Action.UNCHANGED, path);
        }
        machine.writeFile(path, content, new Ownership(Optional.of(FILE_MODE), ROOT, ROOT));
        return new Step(live instanceof LiveEntry.Missing ? Step.Action.INSTALLED : Step.Action.UPDATED, path, detail);
    }

    /**
     * agent.yaml: the settings of {@code driftless agent --config} (keys are its long options) that make the
     * agent follow the repository as this host, with the credentials as installed. The rest are the agent's
     * defaults (state in /var/lib/driftless/agent, the API on 127.0.0.1:9090).
     */
    static String config(Bootstrap.Request request, Credentials credentials) {
        StringBuilder yaml = new StringBuilder("# Written by 'driftless bootstrap': the settings of driftless-agent.service"
                + " (keys: the long options of\n# 'driftless agent --help'). Bootstrap again to change the ones it"
                + " writes; it writes the whole file.\n");
        yaml.append("repo: ").append(quoted(request.repo())).append('\n');
        request.ref().ifPresent(ref -> yaml.append("ref: ").append(quoted(ref)).append('\n'));
        request.path().ifPresent(path -> yaml.append("path: ").append(quoted(path)).append('\n'));
        yaml.append("as-host: ").append(quoted(request.host())).append('\n');
        request.listen().ifPresent(listen -> yaml.append("listen: ").append(quoted(listen)).append('\n'));
        for (Credentials.Kind kind : credentials.kinds()) {
            yaml.append(kind.setting()).append(": ").append(path(kind)).append('\n');
        }
        return yaml.toString();
    }

    /** A YAML double-quoted scalar; the request has no control characters (checked where it is made). */
    private static String quoted(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
