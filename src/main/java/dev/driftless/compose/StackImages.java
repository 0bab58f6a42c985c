package dev.driftless.compose;

import dev.driftless.host.Shell;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which image each compose service of a host's stacks runs, read with the engine's own CLI on the host (one
 * command: the containers labelled with a stack, then their images' IDs and repository digests), as a rollback
 * needs it: the image a digest names is the same wherever a tag has moved since.
 */
public final class StackImages {

    private static final String CONTAINERS = "@@containers";
    private static final String IMAGES = "@@images";
    private static final String FAILED = "@@failed";

    private StackImages() {
    }

    /** The shell command that reads them; {@code dockerHost} is the engine's address when the host names one. */
    public static String script(Optional<String> dockerHost) {
        StringBuilder s = new StringBuilder();
        dockerHost.ifPresent(h -> s.append("export DOCKER_HOST=").append(Shell.quote(h))
                .append(" CONTAINER_HOST=").append(Shell.quote(h)).append("; "));
        s.append("if command -v docker >/dev/null 2>&1; then E=docker; elif command -v podman >/dev/null 2>&1; then")
                .append(" E=podman; else echo '").append(FAILED).append(" neither docker nor podman'; exit 0; fi; ")
                // what the CLI warns of on stderr must not mix with what is read; a container removed meanwhile
                // fails the read (nothing is recorded then), as does an engine that does not answer
                .append("ids=$($E ps -aq --filter label=").append(ComposeFile.STACK_LABEL).append(" 2>/dev/null) || {")
                .append(" echo ").append(FAILED).append("; exit 0; }; [ -n \"$ids\" ] || exit 0; echo ").append(CONTAINERS)
                .append("; $E inspect --format '{{index .Config.Labels \"").append(ComposeFile.STACK_LABEL)
                .append("\"}} {{index .Config.Labels \"com.docker.compose.service\"}} {{.Image}}' $ids 2>/dev/null")
                .append(" || exit 0; echo ").append(IMAGES).append("; $E image inspect --format")
                .append(" '{{.Id}}{{range .RepoDigests}} {{.}}{{end}}' $($E inspect --format '{{.Image}}' $ids")
                .append(" 2>/dev/null | sort -u) 2>/dev/null");
        return s.toString();
    }

    /**
     * What {@link #script} printed, as each stack's (project's) services and the image each runs; a service's
     * repository digest is the one of the repository its compose file names ({@code references}: project to
     * service to image reference), else the image's first. Empty when the engine could not be read.
     */
    public static Optional<Map<String, Map<String, StackRecord.Image>>> parse(String output,
            Map<String, Map<String, String>> references) {
        if (output.contains(FAILED)) {
            return Optional.empty();
        }
        Map<String, List<String>> digests = new LinkedHashMap<>();
        List<String[]> containers = new ArrayList<>();
        String section = "";
        boolean images = false;
        for (String line : output.split("\n")) {
            if (line.equals(CONTAINERS) || line.equals(IMAGES)) {
                section = line;
                images |= line.equals(IMAGES);
            } else if (!line.isBlank() && section.equals(CONTAINERS)) {
                String[] fields = line.strip().split(" ");
                if (fields.length == 3) {
                    containers.add(fields);
                }
            } else if (!line.isBlank() && section.equals(IMAGES)) {
                String[] fields = line.strip().split(" ");
                digests.put(EngineState.imageId(fields[0]), Arrays.asList(fields).subList(1, fields.length));
            }
        }
        if (!containers.isEmpty() && !images) {
            return Optional.empty(); // cut short between the two reads
        }
        Map<String, Map<String, StackRecord.Image>> ran = new LinkedHashMap<>();
        for (String[] container : containers) {
            String project = container[0];
            String service = container[1];
            String id = EngineState.imageId(container[2]);
            if (!references.containsKey(project) || !references.get(project).containsKey(service)) {
                continue;
            }
            String reference = references.get(project).get(service);
            ran.computeIfAbsent(project, p -> new LinkedHashMap<>()).putIfAbsent(service, new StackRecord.Image(
                    reference, id, digestFor(reference, digests.getOrDefault(id, List.of()))));
        }
        return Optional.of(ran);
    }

    /** Of an image's repository digests, the one of the repository {@code reference} names, else the first. */
    static Optional<String> digestFor(String reference, List<String> digests) {
        String repository = familiar(repository(reference));
        return digests.stream().filter(d -> familiar(repository(d)).equals(repository)).findFirst()
                .or(() -> digests.stream().findFirst());
    }

    /** {@code host:5000/app} of {@code host:5000/app:1}, {@code host:5000/app@sha256:…} or {@code host:5000/app}. */
    private static String repository(String reference) {
        int at = reference.indexOf('@');
        String name = at < 0 ? reference : reference.substring(0, at);
        int colon = name.lastIndexOf(':');
        return colon > name.lastIndexOf('/') ? name.substring(0, colon) : name;
    }

    /** A repository as Docker shows Docker Hub's: {@code busybox} for {@code docker.io/library/busybox}. */
    private static String familiar(String repository) {
        return repository.replaceFirst("^docker\\.io/", "").replaceFirst("^library/", "");
    }
}
