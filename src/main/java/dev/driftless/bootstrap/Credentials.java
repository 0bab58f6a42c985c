package dev.driftless.bootstrap;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The secrets a machine's agent needs, read once from files or standard input and kept in memory only until they
 * are installed: the age identity and the Git credential. Never printed: {@link #toString} names the kinds only.
 * Over SSH they travel as one {@link #bundle} on the remote command's standard input, never in its command line.
 */
public final class Credentials {

    /** The largest credential accepted: keys and tokens are a few hundred bytes, known_hosts a few lines. */
    static final int MAX_SIZE = 1024 * 1024;

    private static final String BUNDLE_HEADER = "driftless-credentials 1";

    /**
     * A credential: the option that gives it, the file under /etc/driftless it is installed as, and the agent
     * setting (agent.yaml key) that names that file.
     */
    public enum Kind {
        AGE_KEY("--age-key", "age-key.txt", "age-key"),
        GIT_TOKEN("--git-token-file", "git-token", "git-token-file"),
        GIT_IDENTITY("--git-identity", "deploy_key", "git-identity"),
        GIT_KNOWN_HOSTS("--git-known-hosts", "known_hosts", "git-known-hosts");

        private final String option;
        private final String file;
        private final String setting;

        Kind(String option, String file, String setting) {
            this.option = option;
            this.file = file;
            this.setting = setting;
        }

        public String option() {
            return option;
        }

        /** The file's name under /etc/driftless. */
        public String file() {
            return file;
        }

        /** The key of agent.yaml that names the installed file. */
        public String setting() {
            return setting;
        }
    }

    private final Map<Kind, byte[]> values;

    private Credentials(Map<Kind, byte[]> values) {
        this.values = values;
    }

    /**
     * Reads each credential from its file, or from {@code stdin} where the file is {@code -} (one at most), and
     * checks that they make a whole: an age identity, and either a token or a deploy key with its known_hosts.
     *
     * @throws IllegalArgumentException saying which option is wrong and what to give instead
     */
    public static Credentials read(Map<Kind, String> files, InputStream stdin) {
        List<Kind> fromStdin = files.entrySet().stream().filter(e -> e.getValue().equals("-")).map(Map.Entry::getKey)
                .toList();
        if (fromStdin.size() > 1) {
            throw new IllegalArgumentException("only one of " + String.join(", ", fromStdin.stream().map(Kind::option)
                    .toList()) + " can be read from standard input ('-'): give the others as files");
        }
        Map<Kind, byte[]> values = new EnumMap<>(Kind.class);
        for (Map.Entry<Kind, String> given : files.entrySet()) {
            Kind kind = given.getKey();
            try {
                values.put(kind, given.getValue().equals("-") ? limited(stdin, kind.option() + " -")
                        : limited(Files.newInputStream(Path.of(given.getValue())), kind.option() + " " + given.getValue()));
            } catch (IOException e) {
                throw new IllegalArgumentException(kind.option() + " " + given.getValue() + ": cannot be read ("
                        + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
            }
        }
        return checked(values, files);
    }

    private static byte[] limited(InputStream in, String what) throws IOException {
        try (in) {
            byte[] read = in.readNBytes(MAX_SIZE + 1);
            if (read.length > MAX_SIZE) {
                throw new IllegalArgumentException(what + ": more than " + MAX_SIZE / 1024 + " KiB, which no key or"
                        + " token is; is it the right file?");
            }
            return read;
        }
    }

    private static Credentials checked(Map<Kind, byte[]> values, Map<Kind, String> named) {
        List<String> problems = new ArrayList<>();
        String age = values.containsKey(Kind.AGE_KEY) ? "--age-key " + named.getOrDefault(Kind.AGE_KEY, "") : null;
        if (age == null) {
            problems.add("--age-key FILE (or - for standard input) is required: the age identity that decrypts the"
                    + " repository's secrets, which the agent needs as much as this first apply");
        } else if (!text(values.get(Kind.AGE_KEY)).contains("AGE-SECRET-KEY-1")) {
            // never say what the file holds instead: it may be another secret
            problems.add(age.strip() + " holds no age identity (a line AGE-SECRET-KEY-1...): give the file"
                    + " age-keygen wrote");
        }
        if (values.containsKey(Kind.GIT_TOKEN) && text(values.get(Kind.GIT_TOKEN)).isBlank()) {
            problems.add("--git-token-file " + named.getOrDefault(Kind.GIT_TOKEN, "") + " is empty");
        }
        if (values.containsKey(Kind.GIT_TOKEN) && values.containsKey(Kind.GIT_IDENTITY)) {
            problems.add("give --git-token-file (for an https:// repository) or --git-identity with --git-known-hosts"
                    + " (for ssh://), not both");
        }
        if (values.containsKey(Kind.GIT_IDENTITY) != values.containsKey(Kind.GIT_KNOWN_HOSTS)) {
            problems.add("--git-identity and --git-known-hosts go together: the deploy key, and the Git server's"
                    + " host key as 'ssh-keyscan HOST' prints it, so that the agent can tell it is the right server");
        }
        if (values.containsKey(Kind.GIT_IDENTITY) && !text(values.get(Kind.GIT_IDENTITY)).contains("PRIVATE KEY")) {
            problems.add("--git-identity " + named.getOrDefault(Kind.GIT_IDENTITY, "") + " holds no private key"
                    + " (-----BEGIN ... PRIVATE KEY-----): give the deploy key's private half");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
        return new Credentials(values);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** The credential of that kind, when given. */
    public Optional<byte[]> get(Kind kind) {
        return Optional.ofNullable(values.get(kind)).map(byte[]::clone);
    }

    /** The kinds given, in the order of {@link Kind}. */
    public List<Kind> kinds() {
        return List.copyOf(values.keySet());
    }

    /**
     * All of them as one document for a remote bootstrap's standard input: a header line, then per credential a
     * line {@code NAME LENGTH} and that many bytes and a line break, then {@code end}.
     */
    public byte[] bundle() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((BUNDLE_HEADER + "\n").getBytes(StandardCharsets.US_ASCII));
        values.forEach((kind, value) -> {
            out.writeBytes((kind.setting() + " " + value.length + "\n").getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(value);
            out.write('\n');
        });
        out.writeBytes("end\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /**
     * Reads a {@link #bundle} (what {@code driftless bootstrap ssh://...} sends) and checks it as {@link #read}
     * does.
     *
     * @throws IllegalArgumentException when it is not one
     */
    public static Credentials unbundle(InputStream in) {
        Map<Kind, byte[]> values = new EnumMap<>(Kind.class);
        Map<Kind, String> named = new EnumMap<>(Kind.class);
        try {
            if (!BUNDLE_HEADER.equals(line(in))) {
                throw new IllegalArgumentException("standard input does not start with '" + BUNDLE_HEADER + "': the"
                        + " credentials come from 'driftless bootstrap ssh://...' on the machine that runs it");
            }
            for (String line = line(in); !line.equals("end"); line = line(in)) {
                String[] fields = line.split(" ");
                Optional<Kind> kind = java.util.Arrays.stream(Kind.values())
                        .filter(k -> fields.length == 2 && k.setting().equals(fields[0])).findFirst();
                int length = fields.length == 2 && fields[1].matches("[0-9]{1,7}") ? Integer.parseInt(fields[1]) : -1;
                if (kind.isEmpty() || length < 0 || length > MAX_SIZE || values.containsKey(kind.get())) {
                    throw new IllegalArgumentException("the credentials on standard input are not as 'driftless"
                            + " bootstrap ssh://...' sends them (at '" + fields[0] + "')");
                }
                byte[] value = in.readNBytes(length);
                if (value.length != length || in.read() != '\n') {
                    throw new IllegalArgumentException("the credentials on standard input end too early");
                }
                values.put(kind.get(), value);
                named.put(kind.get(), "(from standard input)");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the credentials on standard input: " + e.getMessage());
        }
        return checked(values, named);
    }

    /** A line of ASCII up to its line break, at most 100 bytes: the bundle's own lines are short. */
    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0 || line.length() > 100) {
                throw new IllegalArgumentException("the credentials on standard input end too early, or are not"
                        + " as 'driftless bootstrap ssh://...' sends them");
            }
            line.append((char) c);
        }
        return line.toString();
    }

    @Override
    public String toString() {
        return "Credentials" + values.keySet();
    }
}
