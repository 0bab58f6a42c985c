package dev.driftless.load;

import dev.driftless.model.Location;
import dev.driftless.model.Problem;
import dev.driftless.source.RepoTree;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds private age keys committed to the repository: whoever can read the repository could then decrypt every
 * secret in it, so a repository that holds one does not validate. The key itself is never quoted.
 */
final class CommittedKeys {

    /** Files above this size are not searched: an identity file is a few hundred bytes. */
    static final long LARGEST_SEARCHED = 1024 * 1024;

    // "AGE-SECRET-KEY-1" and the key's bech32 characters (58 for an X25519 identity); the documentation's
    // "AGE-SECRET-KEY-1..." is no key
    private static final Pattern KEY = Pattern.compile("AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{50,}",
            Pattern.CASE_INSENSITIVE);

    private CommittedKeys() {
    }

    /** One problem for each file of the tree that holds a private age key, at the line of its first one. */
    static List<Problem> find(RepoTree tree) {
        List<Problem> problems = new ArrayList<>();
        search(tree, "", problems);
        return problems;
    }

    private static void search(RepoTree tree, String directory, List<Problem> problems) {
        for (String name : tree.list(directory)) {
            String path = directory.isEmpty() ? name : directory + "/" + name;
            RepoTree.EntryType type = tree.type(path);
            if (type == RepoTree.EntryType.DIRECTORY) {
                search(tree, path, problems);
            } else if (type == RepoTree.EntryType.FILE) {
                tree.readAtMost(path, LARGEST_SEARCHED).ifPresent(bytes -> {
                    // ISO-8859-1 keeps one character per byte: the key is ASCII in any encoding a file may have
                    String text = new String(bytes, StandardCharsets.ISO_8859_1);
                    Matcher key = KEY.matcher(text);
                    if (key.find()) {
                        int line = 1 + (int) text.substring(0, key.start()).chars().filter(c -> c == '\n').count();
                        problems.add(new Problem(new Location(path, line, ""), "holds a private age key"
                                + " (AGE-SECRET-KEY-1...): whoever can read the repository can decrypt its secrets with"
                                + " it. Keep the key outside the repository (give it with --age-key or"
                                + " SOPS_AGE_KEY_FILE) and remove this file; as Git keeps it in the history, make a new"
                                + " key ('driftless secrets keygen'), encrypt the secrets for it ('driftless secrets"
                                + " updatekeys') and change the secrets the old key could read"));
                    }
                });
            }
        }
    }
}
