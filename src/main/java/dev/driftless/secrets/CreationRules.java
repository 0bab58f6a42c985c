package dev.driftless.secrets;

import dev.driftless.load.YamlLimitException;
import dev.driftless.load.YamlLimits;
import dev.driftless.secrets.sops.SopsRules;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * The {@code creation_rules} of a {@code .sops.yaml}, read as sops reads them: the first rule whose
 * {@code path_regex} matches the file's path (relative to the folder of .sops.yaml) says who may decrypt
 * it ({@code age}, or the age keys of a single {@code key_groups} entry) and which values are encrypted.
 */
public final class CreationRules {

    public static final String FILE_NAME = ".sops.yaml";
    private static final int MAX_DEPTH = 100;

    private CreationRules() {
    }

    /** The nearest .sops.yaml in the file's folder or above it (sops searches the same way from the cwd). */
    public static Optional<Path> find(Path file) {
        Path dir = file.toAbsolutePath().normalize().getParent();
        for (int i = 0; dir != null && i < MAX_DEPTH; i++, dir = dir.getParent()) {
            Path candidate = dir.resolve(FILE_NAME);
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The rules for {@code file} from {@code config}; fails clearly when no rule matches. */
    public static SopsRules forFile(Path config, Path file) throws SecretException {
        Object root;
        try {
            root = YamlLimits.DEFAULT.load(Files.readString(config), config.toString());
        } catch (YamlLimitException e) {
            throw new SecretException(e.getMessage());
        } catch (IOException e) {
            throw new SecretException("cannot read " + config + ": " + e.getMessage());
        } catch (YamlEngineException e) {
            throw new SecretException(config + " is not valid YAML: " + e.getMessage());
        }
        if (!(root instanceof Map<?, ?> top) || !(top.get("creation_rules") instanceof List<?> rules)) {
            throw new SecretException(config + " has no 'creation_rules:' list");
        }
        Path base = config.toAbsolutePath().normalize().getParent();
        String relative = base.relativize(file.toAbsolutePath().normalize()).toString();
        for (int i = 0; i < rules.size(); i++) {
            if (!(rules.get(i) instanceof Map<?, ?> rule)) {
                throw new SecretException(config + ": creation_rules[" + i + "] is not a mapping");
            }
            String where = config + ": creation_rules[" + i + "]";
            String regex = text(rule, "path_regex", where);
            if (regex != null) {
                try {
                    if (!Pattern.compile(regex).matcher(relative).find()) {
                        continue;
                    }
                } catch (PatternSyntaxException e) {
                    throw new SecretException(where + ".path_regex is not a valid regular expression: "
                            + e.getDescription());
                }
            }
            return rulesOf(rule, where);
        }
        throw new SecretException(config + ": no creation rule matches " + relative
                + " (give recipients with --age, or add a rule whose path_regex matches it)");
    }

    private static SopsRules rulesOf(Map<?, ?> rule, String where) throws SecretException {
        List<String> recipients = new ArrayList<>(recipients(rule.get("age"), where + ".age"));
        if (rule.get("key_groups") instanceof List<?> groups) {
            if (groups.size() > 1) {
                throw new SecretException(where + ".key_groups: several key groups (Shamir secret sharing) are not"
                        + " supported; list the age recipients in one group or under 'age:'");
            }
            for (Object group : groups) {
                if (group instanceof Map<?, ?> g) {
                    recipients.addAll(recipients(g.get("age"), where + ".key_groups[0].age"));
                }
            }
        }
        if (recipients.isEmpty()) {
            throw new SecretException(where + " names no age recipient (PGP and cloud KMS keys are not supported"
                    + " by Driftless); add 'age: age1...'");
        }
        for (String recipient : recipients) {
            try {
                dev.driftless.secrets.sops.Age.validateRecipient(recipient);
            } catch (SecretException e) {
                throw new SecretException(where + ".age: " + e.getMessage());
            }
        }
        SopsRules defaults = SopsRules.forRecipients(recipients);
        String unencryptedSuffix = text(rule, "unencrypted_suffix", where);
        String encryptedSuffix = text(rule, "encrypted_suffix", where);
        String unencryptedRegex = text(rule, "unencrypted_regex", where);
        String encryptedRegex = text(rule, "encrypted_regex", where);
        boolean any = unencryptedSuffix != null || encryptedSuffix != null || unencryptedRegex != null
                || encryptedRegex != null;
        if (rule.containsKey("unencrypted_comment_regex") || rule.containsKey("encrypted_comment_regex")) {
            throw new SecretException(where + ": comment regexes are not supported by Driftless");
        }
        return new SopsRules(recipients, any ? unencryptedSuffix : defaults.unencryptedSuffix(), encryptedSuffix,
                unencryptedRegex, encryptedRegex, Boolean.TRUE.equals(rule.get("mac_only_encrypted")));
    }

    private static List<String> recipients(Object value, String where) throws SecretException {
        List<String> result = new ArrayList<>();
        if (value == null) {
            return result;
        }
        if (value instanceof String text) {
            for (String part : text.split(",")) {
                if (!part.isBlank()) {
                    result.add(part.strip());
                }
            }
            return result;
        }
        if (value instanceof List<?> list) {
            for (Object item : list) {
                if (!(item instanceof String text)) {
                    throw new SecretException(where + ": every recipient must be a string such as age1...");
                }
                result.add(text.strip());
            }
            return result;
        }
        throw new SecretException(where + " must be a recipient, a comma-separated list or a YAML list");
    }

    private static String text(Map<?, ?> rule, String key, String where) throws SecretException {
        Object value = rule.get(key);
        if (value == null) {
            return null;
        }
        if (!(value instanceof String text)) {
            throw new SecretException(where + "." + key + " must be a string");
        }
        return text;
    }
}
