package dev.driftless.web;

import dev.driftless.report.Word;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The bearer tokens the agent's HTTP API accepts, each with a name (what history and status record as who
 * suspended) and a role. Tokens are kept as SHA-256 digests and every one is compared, in constant time, on
 * every request, so neither the time taken nor a token's length tells a caller how close a guess came.
 *
 * <p>A tokens file holds one token a line, {@code NAME ROLE TOKEN}, with {@code #} comments and blank lines:
 * <pre>
 * # who      role     token
 * ops        control  5f0c...e1
 * dashboard  read     9a7b...42
 * prometheus metrics  c3d4...07
 * </pre>
 */
public final class ApiTokens {

    /** The name the single token of {@code --api-token-file} goes by. */
    public static final String DEFAULT_NAME = "default";

    /** What a token may do; each role may also do what the roles before it may. */
    public enum Role implements Word {
        /** Scrape /metrics (only guarded when some token has this role). */
        METRICS,
        /** Read /api/status and /api/history (and /metrics). */
        READ,
        /** Suspend and resume (and read). */
        CONTROL;

        boolean grants(Role needed) {
            return compareTo(needed) >= 0;
        }
    }

    /** One named token as accepted; the secret itself is not kept in it. */
    public record Token(String name, Role role) {
    }

    private record Entry(Token token, byte[] digest) {
    }

    private static final int MAX_TOKENS = 1000;

    private final List<Entry> entries;

    private ApiTokens(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** No token: the API answers 503 and /metrics is open. */
    public static ApiTokens none() {
        return new ApiTokens(List.of());
    }

    /** One control token named {@value #DEFAULT_NAME} (the agent's {@code --api-token-file}). */
    public static ApiTokens single(String secret) {
        String token = secret.strip();
        if (token.isEmpty()) {
            return none();
        }
        return new ApiTokens(List.of(new Entry(new Token(DEFAULT_NAME, Role.CONTROL), digest(token))));
    }

    /** These tokens and the other's together. */
    public ApiTokens and(ApiTokens other) {
        List<Entry> all = new ArrayList<>(entries);
        Set<String> names = new HashSet<>();
        entries.forEach(e -> names.add(e.token().name()));
        for (Entry entry : other.entries) {
            if (!names.add(entry.token().name())) {
                throw new IllegalArgumentException("two API tokens are named '" + entry.token().name()
                        + "': give each its own name");
            }
            all.add(entry);
        }
        return new ApiTokens(all);
    }

    /**
     * Reads a tokens file ({@code NAME ROLE TOKEN} a line).
     *
     * @throws IllegalArgumentException naming the file and line when it is readable by group or others, or a line
     *     is malformed (the message never holds a token)
     * @throws IOException when it cannot be read
     */
    public static ApiTokens read(Path file) throws IOException {
        PosixFileAttributeView posix = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (posix != null) {
            Set<PosixFilePermission> mode = posix.readAttributes().permissions();
            if (mode.contains(PosixFilePermission.GROUP_READ) || mode.contains(PosixFilePermission.OTHERS_READ)) {
                throw new IllegalArgumentException(file + " is readable by other users (mode "
                        + java.nio.file.attribute.PosixFilePermissions.toString(mode) + "): it holds API tokens;"
                        + " run chmod 600 " + file);
            }
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Entry> entries = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = file + ":" + (i + 1) + ": ";
            String[] words = line.split("\\s+");
            if (words.length != 3) {
                throw new IllegalArgumentException(where + "expected NAME ROLE TOKEN (three words), found "
                        + words.length + (words.length == 1 ? " word" : " words"));
            }
            String name = words[0];
            if (!name.matches("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")) {
                throw new IllegalArgumentException(where + "the name '" + name + "' is not a name: letters, digits"
                        + " and . _ @ - (at most 64)");
            }
            Role role;
            try {
                role = Word.parse(Role.class, words[1]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + "the role '" + words[1] + "' of '" + name
                        + "' is not one of read, control, metrics");
            }
            if (words[2].length() < 16) {
                throw new IllegalArgumentException(where + "the token of '" + name + "' is shorter than 16"
                        + " characters; make one with: openssl rand -hex 32");
            }
            if (!names.add(name)) {
                throw new IllegalArgumentException(where + "a second token named '" + name + "'");
            }
            if (entries.size() == MAX_TOKENS) {
                throw new IllegalArgumentException(where + "more than " + MAX_TOKENS + " tokens");
            }
            entries.add(new Entry(new Token(name, role), digest(words[2])));
        }
        return new ApiTokens(entries);
    }

    /** Whether some token may do what {@code role} allows. */
    public boolean any(Role role) {
        return entries.stream().anyMatch(e -> e.token().role().grants(role));
    }

    /** Whether a token with exactly this role is set (/metrics is guarded only then). */
    public boolean has(Role role) {
        return entries.stream().anyMatch(e -> e.token().role() == role);
    }

    /** The token an {@code Authorization: Bearer ...} header carries, when it is one of these. */
    public Optional<Token> bearer(String header) {
        if (header == null) {
            return Optional.empty();
        }
        String value = header.strip();
        if (!value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        return find(value.substring(7));
    }

    /** The token whose secret is {@code given} (as typed into the dashboard's sign-in form), when it is one of these. */
    public Optional<Token> find(String given) {
        if (given == null || given.isBlank()) {
            return Optional.empty();
        }
        byte[] digest = digest(given.strip());
        Token found = null;
        for (Entry entry : entries) { // every entry, no early exit: the time does not depend on which one matched
            if (MessageDigest.isEqual(entry.digest(), digest)) {
                found = entry.token();
            }
        }
        return Optional.ofNullable(found);
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "ApiTokens" + entries.stream().map(e -> e.token().name() + ":" + e.token().role().word()).toList();
    }
}
