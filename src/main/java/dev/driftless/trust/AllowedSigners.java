package dev.driftless.trust;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;

/**
 * An allowed_signers file as ssh-keygen(1) and git read it, checked line by line when it is loaded so that a
 * mistake is reported with its line (JGit, which makes the decision, would only refuse every signature).
 * JGit 7.4 reads options separated by spaces, OpenSSH and git separated by commas; so JGit is given a private
 * copy written from the parsed lines, with the same meaning in the form it reads.
 */
public final class AllowedSigners {

    /** One line: who may sign, for which namespaces and when, with which key. */
    public record Entry(int line, List<String> principals, boolean certAuthority, Optional<List<String>> namespaces,
            Optional<String> validAfter, Optional<String> validBefore, String key, String fingerprint) {

        /** Whether this line lets its key sign in {@code namespace} (git signs commits and tags in "git"). */
        public boolean allows(String namespace) {
            return namespaces.map(patterns -> Patterns.matchAny(patterns, namespace)).orElse(true);
        }

        /** This line as JGit's parser reads it: options separated by spaces, values quoted. */
        String forJgit() {
            StringBuilder line = new StringBuilder(String.join(",", principals));
            if (certAuthority) {
                line.append(" cert-authority");
            }
            namespaces.ifPresent(n -> line.append(" namespaces=\"").append(String.join(",", n)).append('"'));
            validAfter.ifPresent(v -> line.append(" valid-after=\"").append(v).append('"'));
            validBefore.ifPresent(v -> line.append(" valid-before=\"").append(v).append('"'));
            return line.append(' ').append(key).toString();
        }
    }

    private static final Pattern DATE = Pattern.compile("\\d{8}(\\d{4}(\\d{2})?)?Z?");
    private static final List<String> OPTIONS = List.of("cert-authority", "namespaces", "valid-after", "valid-before");

    private final Path file;
    private final List<Entry> entries;
    private final Path jgitCopy;

    private AllowedSigners(Path file, List<Entry> entries, Path jgitCopy) {
        this.file = file;
        this.entries = List.copyOf(entries);
        this.jgitCopy = jgitCopy;
    }

    /** Reads and checks {@code file}; a line that git would not accept is an error naming file:line. */
    public static AllowedSigners load(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TrustSettingsException(file + ": cannot read the allowed signers file (" + e.getMessage()
                    + "); give a readable file in ssh-keygen's ALLOWED SIGNERS format", e);
        }
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                entries.add(parse(i + 1, line));
            } catch (IllegalArgumentException e) {
                throw new TrustSettingsException(file + ":" + (i + 1) + ": " + e.getMessage()
                        + " (a line is: PRINCIPALS [OPTIONS] KEYTYPE BASE64KEY, as in"
                        + " 'alice@example.org namespaces=\"git\" ssh-ed25519 AAAA…')");
            }
        }
        return new AllowedSigners(file.toAbsolutePath(), entries, jgitCopy(file, entries));
    }

    /** Writes the lines for JGit to a file only this user can read, removed when the JVM exits. */
    private static Path jgitCopy(Path file, List<Entry> entries) {
        try {
            Path copy = Files.createTempFile("driftless-allowed-signers-", "",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            copy.toFile().deleteOnExit();
            Files.write(copy, entries.stream().map(Entry::forJgit).toList(), StandardCharsets.UTF_8);
            return copy;
        } catch (IOException e) {
            throw new TrustSettingsException(file + ": cannot write the copy of the allowed signers file that"
                    + " JGit reads to " + System.getProperty("java.io.tmpdir") + " (" + e.getMessage()
                    + "); make that folder writable", e);
        }
    }

    public Path file() {
        return file;
    }

    /** The copy JGit reads (see the class comment). */
    Path jgitCopy() {
        return jgitCopy;
    }

    public List<Entry> entries() {
        return entries;
    }

    /** The lines for the key with this fingerprint ({@code SHA256:…}), plain keys and certificate authorities alike. */
    public List<Entry> entriesFor(String fingerprint) {
        return entries.stream().filter(e -> e.fingerprint().equals(fingerprint)).toList();
    }

    private static Entry parse(int number, String line) {
        Tokens tokens = new Tokens(line);
        String principals = tokens.next().orElseThrow();
        if (looksLikeKeyType(principals) || principals.startsWith("cert-authority")
                || OPTIONS.stream().anyMatch(o -> principals.startsWith(o + "="))) {
            throw new IllegalArgumentException("the line starts with '" + principals + "', not with the principals"
                    + " (the email addresses or names the key signs as)");
        }
        if (Arrays.stream(principals.split(",", -1)).anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("an empty principal in '" + principals + "'");
        }
        String next = tokens.next().orElseThrow(() -> new IllegalArgumentException("no public key after the principals"));
        boolean certAuthority = false;
        Optional<List<String>> namespaces = Optional.empty();
        Optional<String> validAfter = Optional.empty();
        Optional<String> validBefore = Optional.empty();
        if (!looksLikeKeyType(next)) {
            // options are one comma-separated word, values may be quoted (OpenSSH's sshkey_advance_past_options)
            for (String option : splitOptions(next)) {
                String name = option.contains("=") ? option.substring(0, option.indexOf('=')) : option;
                String value = option.contains("=") ? unquote(option.substring(option.indexOf('=') + 1)) : null;
                switch (name.toLowerCase(Locale.ROOT)) {
                    case "cert-authority" -> certAuthority = true;
                    case "namespaces" -> namespaces = Optional.of(namespaceList(value));
                    case "valid-after" -> validAfter = Optional.of(date(name, value));
                    case "valid-before" -> validBefore = Optional.of(date(name, value));
                    default -> throw new IllegalArgumentException("unknown option '" + name + "' (known: "
                            + String.join(", ", OPTIONS) + ")");
                }
            }
            next = tokens.next().orElseThrow(() -> new IllegalArgumentException("no public key after the options"));
        }
        String keyType = next;
        String base64 = tokens.next().orElseThrow(() -> new IllegalArgumentException(
                "the key type '" + keyType + "' is not followed by the key itself"));
        return new Entry(number, List.of(principals.split(",")), certAuthority, namespaces, validAfter, validBefore,
                keyType + " " + base64, fingerprint(keyType, base64));
    }

    private static boolean looksLikeKeyType(String word) {
        return word.startsWith("ssh-") || word.startsWith("ecdsa-") || word.startsWith("sk-");
    }

    private static String fingerprint(String keyType, String base64) {
        try {
            PublicKey key = PublicKeyEntry.parsePublicKeyEntry(keyType + " " + base64).resolvePublicKey(null, null,
                    null);
            if (key == null) {
                throw new IllegalArgumentException("'" + keyType + "' is not a key type this version can read");
            }
            return KeyUtils.getFingerPrint(key);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read the " + keyType + " public key (" + e.getMessage()
                    + "); copy the whole line of the .pub file", e);
        }
    }

    private static List<String> splitOptions(String word) {
        List<String> options = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            if (c == '"' && (i == 0 || word.charAt(i - 1) != '\\')) {
                quoted = !quoted;
            }
            if (c == ',' && !quoted) {
                options.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("a quote is not closed in '" + word + "'");
        }
        options.add(current.toString());
        return options;
    }

    private static String unquote(String value) {
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            return value.substring(1, value.length() - 1).replace("\\\"", "\"");
        }
        return value;
    }

    private static List<String> namespaceList(String value) {
        List<String> names = value == null ? List.of()
                : Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (names.isEmpty()) {
            throw new IllegalArgumentException("namespaces= names no namespace (git signs in \"git\")");
        }
        return names;
    }

    private static String date(String option, String value) {
        if (value == null || !DATE.matcher(value).matches()) {
            throw new IllegalArgumentException(option + "=" + (value == null ? "" : value)
                    + " is not a date: write YYYYMMDD or YYYYMMDDHHMM[SS], with Z for UTC");
        }
        return value;
    }

    /** Whitespace-separated words, where whitespace inside double quotes does not separate. */
    private static final class Tokens {
        private final String line;
        private int at;

        Tokens(String line) {
            this.line = line;
        }

        Optional<String> next() {
            while (at < line.length() && Character.isWhitespace(line.charAt(at))) {
                at++;
            }
            if (at >= line.length()) {
                return Optional.empty();
            }
            int start = at;
            boolean quoted = false;
            while (at < line.length() && (quoted || !Character.isWhitespace(line.charAt(at)))) {
                if (line.charAt(at) == '"') {
                    quoted = !quoted;
                }
                at++;
            }
            return Optional.of(line.substring(start, at));
        }
    }
}
