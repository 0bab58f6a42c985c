package dev.driftless.secrets;

import dev.driftless.secrets.sops.Sops;
import dev.driftless.secrets.sops.SopsFile;
import dev.driftless.secrets.sops.SopsFormat;
import dev.driftless.source.RepoTree;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The secrets of one repository revision: looks up {@code secret('name')} values through the
 * {@link SecretSource}s in order, and decrypts whole files for {@code secret:} resources. Everything is
 * decrypted in memory, once per file, and every revealed value is remembered so that error messages can
 * be {@link #redact redacted} before anyone sees them.
 */
public final class Secrets {

    /** How secrets are read. */
    public enum Reading {
        /** Decrypted with the age keys. */
        DECRYPTED,
        /**
         * Not decrypted, and no key needed (pull requests from forks, pre-commit hooks): a secret's name is looked up
         * among the keys of the encrypted files, which SOPS leaves readable, and its value is a {@link #placeholder};
         * a secret file is checked to be encrypted and reads as a placeholder.
         */
        NAMES_ONLY
    }

    private static final String AGE_HEADER = "age-encryption.org/v1\n";
    private static final String AGE_ARMOR = "-----BEGIN AGE ENCRYPTED FILE-----";

    private final RepoTree tree;
    private final AgeKeyring keys;
    private final Reading reading;
    private final List<SecretSource> sources;
    private final Map<String, SopsFile> decrypted = new HashMap<>();
    private final Map<String, Map<String, Object>> names = new HashMap<>();
    private final Set<String> revealed = new LinkedHashSet<>();

    public Secrets(RepoTree tree, AgeKeyring keys) {
        this(tree, keys, Reading.DECRYPTED);
    }

    public Secrets(RepoTree tree, AgeKeyring keys, Reading reading) {
        this.tree = tree;
        this.keys = keys;
        this.reading = reading;
        this.sources = List.of(new SopsSecretSource(this));
    }

    /** What a secret's value reads as when secrets are not decrypted. */
    public static String placeholder(String name) {
        return "[secret " + name + "]";
    }

    /** The value of {@code secret('name')} in a template of the service in {@code serviceDirectory}. */
    public synchronized String value(String serviceDirectory, String name) throws SecretException {
        if (name == null || name.isBlank()) {
            throw new SecretException("secret() needs the name of a secret, such as secret('db_password')");
        }
        List<String> looked = new ArrayList<>();
        for (SecretSource source : sources) {
            Optional<String> value = source.lookup(serviceDirectory, name);
            if (value.isPresent()) {
                if (reading == Reading.NAMES_ONLY) {
                    return placeholder(name);
                }
                remember(value.get());
                return value.get();
            }
            looked.add(source.describe(serviceDirectory));
        }
        throw new SecretException("no secret named '" + name + "' (looked in " + String.join("; ", looked) + ")");
    }

    /** The plaintext of an encrypted repository file: age when it ends in .age, else SOPS. */
    public synchronized byte[] file(String repoPath) throws SecretException {
        byte[] content = read(repoPath);
        if (reading == Reading.NAMES_ONLY) {
            String start = new String(content, 0, Math.min(content.length, 64), StandardCharsets.ISO_8859_1);
            if (!repoPath.endsWith(".age")) {
                requireEncrypted(repoPath, content, SopsFormat.forFileName(repoPath));
            } else if (!start.startsWith(AGE_HEADER) && !start.startsWith(AGE_ARMOR)) {
                throw new SecretException(repoPath + " is not an age-encrypted file (it does not start with '"
                        + AGE_HEADER.strip() + "'); encrypt it with age before committing it");
            }
            return placeholder(repoPath).getBytes(StandardCharsets.UTF_8);
        }
        byte[] plain;
        if (repoPath.endsWith(".age")) {
            plain = keys.identities().decrypt(content, repoPath);
        } else {
            plain = decrypt(repoPath, content).plaintext();
        }
        remember(new String(plain, StandardCharsets.UTF_8));
        return plain;
    }

    /** Whether the repository has this file. */
    boolean exists(String repoPath) {
        return tree.type(repoPath) == RepoTree.EntryType.FILE;
    }

    /**
     * The decrypted values of a SOPS file, decrypted once; when secrets are not decrypted, its keys with their
     * encrypted values.
     */
    Map<String, Object> decryptedTree(String repoPath) throws SecretException {
        if (reading == Reading.NAMES_ONLY) {
            Map<String, Object> tree = names.get(repoPath);
            if (tree == null) {
                byte[] content = read(repoPath);
                SopsFormat format = SopsFormat.forFileName(repoPath);
                requireEncrypted(repoPath, content, format);
                tree = new java.util.LinkedHashMap<>(Sops.parsePlain(content, format, repoPath));
                tree.keySet().removeIf(key -> key.equals("sops") || key.startsWith("sops_"));
                names.put(repoPath, tree);
            }
            return tree;
        }
        return decrypt(repoPath, read(repoPath)).tree();
    }

    private static void requireEncrypted(String repoPath, byte[] content, SopsFormat format) throws SecretException {
        if (!Sops.isEncrypted(content, format)) {
            // a file that cannot be read at all (malformed, beyond the YAML limits) says why, with its line
            Sops.parsePlain(content, format, repoPath);
            throw new SecretException(repoPath + " is not encrypted (it has no sops metadata); encrypt it with"
                    + " 'driftless secrets encrypt --in-place " + repoPath + "' before committing it");
        }
    }

    private SopsFile decrypt(String repoPath, byte[] content) throws SecretException {
        SopsFile file = decrypted.get(repoPath);
        if (file == null) {
            SopsFormat format = SopsFormat.forFileName(repoPath);
            requireEncrypted(repoPath, content, format);
            file = Sops.decrypt(content, format, repoPath, keys.identities());
            decrypted.put(repoPath, file);
            rememberTree(file.tree());
        }
        return file;
    }

    private byte[] read(String repoPath) throws SecretException {
        return tree.read(repoPath).orElseThrow(() -> new SecretException(repoPath + " is not in this commit"));
    }

    private void rememberTree(Object node) {
        if (node instanceof Map<?, ?> map) {
            map.values().forEach(this::rememberTree);
        } else if (node instanceof List<?> list) {
            list.forEach(this::rememberTree);
        } else if (node instanceof byte[] bytes) {
            remember(new String(bytes, StandardCharsets.UTF_8));
        } else if (node != null) {
            remember(String.valueOf(node));
        }
    }

    /**
     * Treats a value read elsewhere (an environment variable named by driftless.yaml, a login made of secrets) as a
     * secret value: {@link #redact} hides it too.
     */
    public synchronized void conceal(String value) {
        remember(value);
    }

    private void remember(String value) {
        // very short values ("1", "true") would redact ordinary words; they are not secret enough to hide
        if (value.length() >= 4) {
            revealed.add(value);
            for (String line : value.split("\n")) {
                if (line.strip().length() >= 4) {
                    revealed.add(line.strip());
                }
            }
            revealed.add(Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** The message with every secret value revealed so far replaced by {@code ***}. */
    public synchronized String redact(String message) {
        if (message == null || revealed.isEmpty()) {
            return message;
        }
        String result = message;
        for (String value : revealed) {
            result = result.replace(value, "***");
        }
        return result;
    }
}
