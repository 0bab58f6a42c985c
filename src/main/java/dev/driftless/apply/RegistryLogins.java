package dev.driftless.apply;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.driftless.render.RegistryLogin;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * How a stack's command on the host gets the host's registry logins: as the engine's own login file ({@code
 * {"auths": {REGISTRY: {"auth": base64(user:password)}}}}, which Docker reads as {@code $DOCKER_CONFIG/config.json}
 * and Podman as {@code $REGISTRY_AUTH_FILE}) on the command's standard input, never on its command line or in its
 * environment, where anyone listing the host's processes would see it. The command keeps it in a folder of its own
 * (0700, the file 0600) that it removes when it ends, however it ends short of being killed outright.
 *
 * <p>That folder replaces the user's docker folder for the command: its contexts and credential helpers are not
 * seen (DOCKER_HOST, and so {@code dockerHost:}, still is); its CLI plugins are, through a link, so that {@code docker
 * compose} is still found there.
 */
final class RegistryLogins {

    /** Docker Hub as Docker's CLI keys its logins; Podman keys them {@code docker.io}. */
    private static final String DOCKER_HUB = "https://index.docker.io/v1/";

    private RegistryLogins() {
    }

    /**
     * The start of a command that reads the login file from its standard input into a new private folder, removed
     * when the command exits (or is ended by HUP, INT or TERM), and points Docker and Podman at it.
     */
    static String prelude() {
        // a folder left by a command killed outright (SIGKILL, a timeout) goes with the next one, an hour on
        return "find \"${TMPDIR:-/tmp}\" -maxdepth 1 -name 'driftless-registry.*' -user \"$(id -u)\" -mmin +60"
                + " -exec rm -rf {} + 2>/dev/null;"
                + " d=$(mktemp -d \"${TMPDIR:-/tmp}/driftless-registry.XXXXXXXX\") || exit 1; trap 'rm -rf \"$d\"' EXIT;"
                + " trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM;"
                + " (umask 077 && cat >\"$d/config.json\") || exit 1;"
                + " p=\"${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins\"; [ ! -d \"$p\" ] || ln -s \"$p\" \"$d/cli-plugins\";"
                + " export DOCKER_CONFIG=\"$d\" REGISTRY_AUTH_FILE=\"$d/config.json\"; ";
    }

    /** The login file for {@code logins}, as the command's standard input. */
    static byte[] file(List<RegistryLogin> logins) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        ObjectNode auths = root.putObject("auths");
        for (RegistryLogin login : logins) {
            String auth = Base64.getEncoder().encodeToString((login.username() + ":" + login.password())
                    .getBytes(StandardCharsets.UTF_8));
            auths.putObject(login.registry()).put("auth", auth);
            if (login.registry().equals("docker.io") || login.registry().equals("index.docker.io")) {
                auths.putObject(DOCKER_HUB).put("auth", auth);
            }
        }
        try {
            return json.writeValueAsBytes(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // a tree of text fields always writes; say nothing of what it holds
            throw new IllegalStateException("the registry login file could not be written", null);
        }
    }
}
