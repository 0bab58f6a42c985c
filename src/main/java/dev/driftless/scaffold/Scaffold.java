package dev.driftless.scaffold;

import dev.driftless.load.RepositoryLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * The files of a new Driftless repository (one local host, one service with a README and a template, a .gitignore
 * that keeps keys out and a .sops.yaml to fill in), written into a folder that holds none of them yet, and committed
 * when the folder is not yet in a Git repository.
 */
public final class Scaffold {

    /** The service the new repository starts with. */
    public static final String SERVICE = "hello";
    /** The file that service manages on its host. */
    public static final String MANAGED_PATH = "/etc/driftless-hello.txt";
    /** The group the host is in, and the service is for. */
    static final String GROUP = "servers";
    /** The subject of the first commit. */
    public static final String COMMIT_MESSAGE = "Start a Driftless repository (driftless init)";

    /** The shape of a host name in driftless.yaml. */
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    /** One file to write: its path in the repository and its text. */
    public record File(String path, String text) {
    }

    /**
     * What {@link #create} did.
     *
     * @param written the paths written, relative to the folder
     * @param commit the first commit's id, when a Git repository was made
     * @param enclosing the work tree of the Git repository the folder already was in, when it was
     */
    public record Created(Path dir, List<String> written, Optional<String> commit, Optional<Path> enclosing) {
        public Created {
            written = List.copyOf(written);
        }
    }

    private final String host;

    /** A repository whose one host is called {@code host}. */
    public Scaffold(String host) {
        if (!HOST_NAME.matcher(host).matches()) {
            throw new ScaffoldException("'" + host + "' is not a host name for driftless.yaml (letters, digits, '.', '_'"
                    + " and '-', starting with a letter or digit, at most 63)");
        }
        this.host = host;
    }

    /**
     * The name this machine goes by (its hostname up to the first dot) when that is a valid host name, else
     * {@code fallback}.
     */
    public static String thisMachine(String fallback) {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
            int dot = name.indexOf('.');
            name = dot > 0 ? name.substring(0, dot) : name;
            return HOST_NAME.matcher(name).matches() ? name : fallback;
        } catch (IOException e) {
            return fallback; // not Linux, or no /proc: the name is only a default
        }
    }

    /** The files, in the order they are written and listed. */
    public List<File> files() {
        String service = RepositoryLoader.SERVICES_DIR + "/" + SERVICE + "/";
        return List.of(
                new File(RepositoryLoader.INVENTORY_FILE, inventory()),
                new File(service + RepositoryLoader.SERVICE_FILE, service()),
                new File(service + "hello.txt.peb", template()),
                new File(service + "README.md", serviceReadme()),
                new File(".gitignore", gitignore()),
                new File(".sops.yaml", sopsRules()));
    }

    /**
     * Writes the files into {@code dir} (created if missing) and, when {@code dir} is in no Git repository, makes
     * one there (branch main) with the files as its first commit. Writes nothing when any of the files exists.
     */
    public Created create(Path dir) {
        Path folder = dir.toAbsolutePath().normalize();
        if (Files.exists(folder) && !Files.isDirectory(folder)) {
            throw new ScaffoldException(folder + " is a file, not a folder: give a folder for the new repository");
        }
        List<String> existing = new ArrayList<>();
        for (File file : files()) {
            if (Files.exists(folder.resolve(file.path()), LinkOption.NOFOLLOW_LINKS)) {
                existing.add(file.path());
            }
        }
        if (!existing.isEmpty()) {
            throw new ScaffoldException("nothing was written: " + folder + " already has " + String.join(", ", existing)
                    + "; init never overwrites a file (move " + (existing.size() == 1 ? "it" : "them")
                    + " away, or give another folder)");
        }
        Optional<Path> enclosing = workTreeOf(folder);
        List<String> written = new ArrayList<>();
        try {
            for (File file : files()) {
                Path target = folder.resolve(file.path());
                Files.createDirectories(target.getParent());
                Files.writeString(target, file.text(), StandardCharsets.UTF_8);
                written.add(file.path());
            }
        } catch (IOException e) {
            throw new ScaffoldException("cannot write " + folder + " (" + e.getMessage() + "); written before the error: "
                    + (written.isEmpty() ? "nothing" : String.join(", ", written)));
        }
        Optional<String> commit = enclosing.isPresent() ? Optional.empty() : Optional.of(commitFirst(folder, written));
        return new Created(folder, written, commit, enclosing);
    }

    /** The work tree of the Git repository {@code folder} is in, found as git finds it: a .git in it or above it. */
    static Optional<Path> workTreeOf(Path folder) {
        for (Path dir = folder; dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(".git"), LinkOption.NOFOLLOW_LINKS)) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    private static String commitFirst(Path folder, List<String> paths) {
        try (Git git = Git.init().setDirectory(folder.toFile()).setInitialBranch("main").call()) {
            for (String path : paths) {
                git.add().addFilepattern(path).call();
            }
            // the user's own identity from their Git configuration; unsigned, as a signing setup may need a prompt
            RevCommit commit = git.commit().setMessage(COMMIT_MESSAGE).setSign(false).call();
            return commit.getName();
        } catch (GitAPIException | RuntimeException e) {
            throw new ScaffoldException("wrote " + String.join(", ", paths) + " in " + folder + " but could not commit"
                    + " them (" + e.getMessage() + "); commit them yourself: cd " + folder + " && git add . && git commit");
        }
    }

    private String inventory() {
        return """
                # driftless.yaml: the machines this repository manages (hosts) and the values every template can use
                # (vars). The format: docs/repository-format.md; for your editor: `driftless schema --write .`
                #
                # `address: local` is the machine Driftless runs on. To try a change without touching its /etc, pass
                # --root: `driftless apply --root /tmp/try` writes %2$s to /tmp/try%2$s.
                # A machine reached over SSH:  address: ssh://deploy@web-1.example.org   (and `become: sudo` for a
                # user that is not root).

                hosts:
                  %1$s:
                    address: local
                    groups: [%3$s]            # services pick their hosts by host name or by group name

                vars:
                  contact: ops@example.org    # {{ contact }} in templates; a host's own vars: win over these
                """.formatted(host, MANAGED_PATH, GROUP);
    }

    private static String service() {
        return """
                # services/%1$s/service.yaml: what this service puts on its hosts. Each folder under services/ is a
                # service with a service.yaml, its files and a README.md. Format: docs/repository-format.md.
                description: A first managed file, to see plan, apply and drift at work.
                hosts: [%2$s]                  # host or group names of driftless.yaml
                files:
                  - path: %3$s
                    template: hello.txt.peb     # rendered for each host: host.name, the vars of driftless.yaml
                    mode: "0644"
                """.formatted(SERVICE, GROUP, MANAGED_PATH);
    }

    private static String template() {
        return """
                This file is managed by Driftless on {{ host.name }}.
                It comes from services/%s/hello.txt.peb in the repository: edit it there, not here,
                since hand edits are reported as drift and put back by the next apply.
                Questions: {{ contact }}
                """.formatted(SERVICE);
    }

    private static String serviceReadme() {
        return """
                # %1$s

                A first service: it writes `%2$s` on every host of the group `%3$s`, rendered
                from `hello.txt.peb` with the host's name and the `contact` variable of `driftless.yaml`.

                Try it without touching this machine's `/etc` (`--root` places every path under a folder):

                ```sh
                driftless validate
                driftless render %1$s hello.txt.peb           # the file as its host gets it
                driftless plan  --root /tmp/try
                driftless apply --root /tmp/try
                echo "a hand edit" >> /tmp/try%2$s
                driftless check --root /tmp/try; echo "exit $?"  # exit 2: drift
                ```

                Driftless reads the last commit, not the files on disk: commit your edits (or add `--worktree` to
                `validate`, `plan` and `render`). Replace this service with your own: a folder under `services/` with
                a `service.yaml`, its files and a README.md like this one saying what it is, where it goes and how
                it is deployed.
                """.formatted(SERVICE, MANAGED_PATH, GROUP);
    }

    private static String gitignore() {
        return """
                # Private keys and decrypted secrets never belong in the repository: Driftless reads secrets encrypted
                # (SOPS with age) and decrypts them in memory.
                keys.txt
                *.agekey
                *age-key*.txt
                *.dec
                *.decrypted
                *.decrypted.*
                # editors' leftovers
                *~
                *.swp
                .DS_Store
                """;
    }

    private static String sopsRules() {
        return """
                # .sops.yaml: who can decrypt this repository's secrets (`driftless secrets` and `sops` read it).
                #
                # 1. Make your age key once, outside the repository (keep it private, never commit it):
                #      age-keygen -o ~/.config/sops/age/keys.txt
                #    (or, without the age tools: driftless secrets keygen -o ~/.config/sops/age/keys.txt)
                #    It prints "Public key: age1...".
                # 2. Put that public key below instead of the placeholder; several recipients (each operator, each
                #    machine that runs the agent) are written one after another, separated by commas.
                # 3. Encrypt a file of secrets:  driftless secrets encrypt --in-place services/NAME/secrets.sops.yaml
                #    and use a value in a template:  {{ secret('db_password') }}. See docs/secrets.md.
                creation_rules:
                  - path_regex: (^|/)secrets[^/]*\\.(yaml|json|env)$
                    age: age1-replace-with-your-public-key
                """;
    }
}
