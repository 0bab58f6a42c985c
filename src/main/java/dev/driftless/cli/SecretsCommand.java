package dev.driftless.cli;

import dev.driftless.secrets.AgeKeyring;
import dev.driftless.secrets.CreationRules;
import dev.driftless.secrets.SecretException;
import dev.driftless.secrets.sops.Age;
import dev.driftless.secrets.sops.AgeIdentities;
import dev.driftless.secrets.sops.Sops;
import dev.driftless.secrets.sops.SopsFile;
import dev.driftless.secrets.sops.SopsFormat;
import dev.driftless.secrets.sops.SopsRules;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code driftless secrets}: SOPS files with age keys, written and read the way the sops CLI does. */
@Command(name = "secrets", sortOptions = false, usageHelpAutoWidth = true, mixinStandardHelpOptions = true,
        description = {
            "Encrypt, decrypt and edit SOPS files (age recipients), compatible with the sops CLI.",
            "",
            "Format by file name: .yaml/.yml, .json, .env (dotenv), anything else is a binary file stored as JSON.",
            "Recipients come from --age or from the creation_rules of the nearest .sops.yaml at or above the file.",
            "Keys to decrypt: --age-key FILE, DRIFTLESS_AGE_KEY_FILE, SOPS_AGE_KEY, SOPS_AGE_KEY_FILE,",
            "~/.config/sops/age/keys.txt (all that exist are tried)."},
        subcommands = {SecretsCommand.Keygen.class, SecretsCommand.Encrypt.class, SecretsCommand.Decrypt.class,
            SecretsCommand.Edit.class, SecretsCommand.UpdateKeys.class, CommandLine.HelpCommand.class})
final class SecretsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Shared by the subcommands: streams, key lookup, atomic writes, error reporting. */
    abstract static class Base implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        @Override
        public Integer call() {
            try {
                return run();
            } catch (SecretException e) {
                err().println("Error: " + e.getMessage());
                err().flush();
                return 1;
            }
        }

        abstract int run() throws SecretException;

        static byte[] read(Path file) throws SecretException {
            try {
                return Files.readAllBytes(file);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new SecretException(file + ": no such file");
            } catch (IOException e) {
                throw new SecretException("cannot read " + file + ": " + e.getMessage());
            }
        }

        /** Replaces the file in one step (temp file + rename), keeping its permissions. */
        static void replace(Path file, byte[] content) throws SecretException {
            Path target = file.toAbsolutePath();
            Path temp = null;
            try {
                temp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
                Files.write(temp, content, StandardOpenOption.TRUNCATE_EXISTING);
                if (Files.exists(target)) {
                    Files.setPosixFilePermissions(temp, Files.getPosixFilePermissions(target));
                }
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                throw new SecretException("cannot write " + file + ": " + e.getMessage());
            } finally {
                if (temp != null) {
                    try {
                        Files.deleteIfExists(temp);
                    } catch (IOException ignored) {
                        // already renamed, or the error above says what went wrong
                    }
                }
            }
        }

        private static java.util.Optional<String> utf8(byte[] bytes) {
            try {
                return java.util.Optional.of(java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                        .decode(java.nio.ByteBuffer.wrap(bytes)).toString());
            } catch (java.nio.charset.CharacterCodingException e) {
                return java.util.Optional.empty();
            }
        }

        static SopsFormat format(Path file, String given) throws SecretException {
            if (given == null) {
                return SopsFormat.forFileName(file.getFileName().toString());
            }
            try {
                return SopsFormat.valueOf(given.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new SecretException("--format must be yaml, json, dotenv or binary, not '" + given + "'");
            }
        }

        void emit(Path file, byte[] content, boolean inPlace) throws SecretException {
            if (inPlace) {
                replace(file, content);
            } else {
                java.util.Optional<String> text = utf8(content);
                if (text.isPresent()) {
                    out().print(text.get());
                    out().flush();
                } else {
                    out().flush();
                    System.out.write(content, 0, content.length); // binary plaintext, byte for byte
                    System.out.flush();
                }
            }
        }
    }

    /** Options naming where private keys are. */
    static final class KeyOption {
        @Option(names = "--age-key", paramLabel = "FILE",
                description = "An age identity file, tried along with DRIFTLESS_AGE_KEY_FILE, SOPS_AGE_KEY,"
                        + " SOPS_AGE_KEY_FILE and ~/.config/sops/age/keys.txt.")
        Path ageKey;

        AgeIdentities identities() throws SecretException {
            return AgeKeyring.fromEnvironment(Optional.ofNullable(ageKey)).identities();
        }
    }

    @Command(name = "keygen", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Create an age identity (a private key), as age-keygen does: the identity goes to standard",
                "output or to -o FILE (created with mode 0600, never overwritten); the public key (the recipient",
                "to put in .sops.yaml) is printed on standard error. sops and Driftless look for identities in",
                "~/.config/sops/age/keys.txt by default."})
    static final class Keygen extends Base {

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the identity here (mode 0600).")
        Path output;

        @Override
        int run() throws SecretException {
            Age.KeyPair pair = Age.generate();
            String text = "# created: " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "\n"
                    + "# public key: " + pair.recipient() + "\n" + pair.identity() + "\n";
            Path target = output;
            if (target == null) {
                out().print(text);
                out().flush();
            } else {
                writeNew(target, text);
                err().println("Wrote the identity to " + target);
            }
            err().println("Public key: " + pair.recipient());
            err().flush();
            return 0;
        }

        private static void writeNew(Path target, String text) throws SecretException {
            try {
                if (target.toAbsolutePath().getParent() != null) {
                    Files.createDirectories(target.toAbsolutePath().getParent(),
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                }
                Files.writeString(Files.createFile(target,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))), text);
            } catch (FileAlreadyExistsException e) {
                throw new SecretException(target + " already exists; it is never overwritten (it may hold the only"
                        + " copy of a key)");
            } catch (IOException e) {
                throw new SecretException("cannot write " + target + ": " + e.getMessage());
            }
        }
    }

    @Command(name = "encrypt", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Encrypt a plain file as sops -e does; prints the result unless --in-place.",
                "Values are encrypted as the matching .sops.yaml creation rule says (all of them by default,",
                "keys ending in _unencrypted stay plain)."})
    static final class Encrypt extends Base {

        @Parameters(paramLabel = "FILE", description = "The plain file.")
        Path file;

        @Option(names = {"-i", "--in-place"}, description = "Replace the file instead of printing.")
        boolean inPlace;

        @Option(names = "--age", paramLabel = "RECIPIENT", split = ",",
                description = "Encrypt for this age recipient (age1...); repeatable. Overrides .sops.yaml.")
        List<String> recipients = new ArrayList<>();

        @Option(names = "--encrypted-regex", paramLabel = "REGEX", description = "Encrypt only values under keys"
                + " matching this regular expression.")
        String encryptedRegex;

        @Option(names = "--unencrypted-regex", paramLabel = "REGEX",
                description = "Leave values under keys matching this regular expression plain.")
        String unencryptedRegex;

        @Option(names = "--format", paramLabel = "FORMAT",
                description = "yaml, json, dotenv or binary. Default: from the file name.")
        String format;

        @Override
        int run() throws SecretException {
            byte[] plain = read(file);
            SopsFormat fmt = format(file, format);
            if (Sops.isEncrypted(plain, fmt)) {
                throw new SecretException(file + " is already encrypted (it has sops metadata); use"
                        + " 'driftless secrets edit' to change it or 'updatekeys' to change its recipients");
            }
            SopsRules rules = rules();
            Map<String, Object> tree = Sops.parsePlain(plain, fmt, file.toString());
            emit(file, Sops.encrypt(tree, fmt, rules), inPlace);
            return 0;
        }

        private SopsRules rules() throws SecretException {
            SopsRules rules;
            if (!recipients.isEmpty()) {
                for (String recipient : recipients) {
                    Age.validateRecipient(recipient);
                }
                rules = SopsRules.forRecipients(recipients);
            } else {
                Path config = CreationRules.find(file).orElseThrow(() -> new SecretException("no recipients for "
                        + file + ": give --age age1... or add a .sops.yaml with creation_rules at or above it"));
                rules = CreationRules.forFile(config, file);
            }
            if (encryptedRegex != null || unencryptedRegex != null) {
                rules = new SopsRules(rules.ageRecipients(), null, null, unencryptedRegex, encryptedRegex,
                        rules.macOnlyEncrypted());
            }
            return rules;
        }
    }

    @Command(name = "decrypt", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Decrypt a SOPS file as sops -d does; prints the result unless --in-place.",
                "The MAC is verified: a file changed after encryption is refused."})
    static final class Decrypt extends Base {

        @Parameters(paramLabel = "FILE", description = "The encrypted file.")
        Path file;

        @Option(names = {"-i", "--in-place"}, description = "Replace the file with its plaintext instead of printing.")
        boolean inPlace;

        @Option(names = "--format", paramLabel = "FORMAT",
                description = "yaml, json, dotenv or binary. Default: from the file name.")
        String format;

        @CommandLine.Mixin
        KeyOption keys = new KeyOption();

        @Override
        int run() throws SecretException {
            byte[] content = read(file);
            if (file.toString().endsWith(".age")) {
                emit(file, keys.identities().decrypt(content, file.toString()), inPlace);
                return 0;
            }
            SopsFile decrypted = Sops.decrypt(content, format(file, format), file.toString(), keys.identities());
            emit(file, decrypted.plaintext(), inPlace);
            return 0;
        }
    }

    @Command(name = "edit", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Open the decrypted file in $VISUAL or $EDITOR (default vi), then encrypt it again.",
                "The plaintext lives only in a private temporary folder (mode 0700) outside the repository and is",
                "deleted afterwards. Values you did not change keep their exact ciphertext, so Git diffs show only",
                "what you changed."})
    static final class Edit extends Base {

        @Parameters(paramLabel = "FILE", description = "The encrypted file.")
        Path file;

        @CommandLine.Mixin
        KeyOption keys = new KeyOption();

        @Override
        int run() throws SecretException {
            byte[] content = read(file);
            SopsFormat format = SopsFormat.forFileName(file.getFileName().toString());
            SopsFile previous = Sops.decrypt(content, format, file.toString(), keys.identities());
            byte[] before = previous.plaintext();
            Path dir = null;
            try {
                dir = Files.createTempDirectory("driftless-edit-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                Path plain = dir.resolve(file.getFileName().toString());
                Files.write(plain, before);
                Files.setPosixFilePermissions(plain, PosixFilePermissions.fromString("rw-------"));
                runEditor(plain);
                byte[] after = Files.readAllBytes(plain);
                if (Arrays.equals(before, after)) {
                    err().println(file + ": no changes, the file is left as it was");
                    return 0;
                }
                Map<String, Object> tree = Sops.parsePlain(after, format, file.toString());
                replace(file, Sops.reencrypt(previous, tree));
                err().println(file + ": encrypted again");
                return 0;
            } catch (IOException e) {
                throw new SecretException("cannot edit " + file + ": " + e.getMessage());
            } finally {
                wipe(dir);
                err().flush();
            }
        }

        private void runEditor(Path plain) throws SecretException, IOException {
            String editor = Optional.ofNullable(System.getenv("VISUAL")).filter(v -> !v.isBlank())
                    .or(() -> Optional.ofNullable(System.getenv("EDITOR")).filter(v -> !v.isBlank()))
                    .orElse("vi");
            // through sh, as git runs $EDITOR, so "code --wait" or "emacs -nw" work
            ProcessBuilder builder = new ProcessBuilder("sh", "-c", editor + " \"$1\"", "driftless-editor",
                    plain.toString()).inheritIO();
            try {
                int code = builder.start().waitFor();
                if (code != 0) {
                    throw new SecretException("the editor (" + editor + ") exited with code " + code
                            + "; " + file + " is left as it was");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SecretException("interrupted while the editor ran; " + file + " is left as it was");
            }
        }

        private static void wipe(Path dir) {
            if (dir == null) {
                return;
            }
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    long size = Files.size(p);
                    // overwrite before deleting, so the plaintext is not left in freed blocks of a tmpfs page
                    Files.write(p, new byte[(int) Math.min(size, Integer.MAX_VALUE - 8)]);
                    Files.delete(p);
                }
                Files.delete(dir);
            } catch (IOException e) {
                System.err.println("Warning: could not remove the temporary folder " + dir + ": " + e.getMessage());
            }
        }
    }

    @Command(name = "updatekeys", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Wrap the file's data key for the recipients .sops.yaml (or --age) names now: added",
                "recipients can decrypt it, removed ones no longer can (rotate the values too if they had a copy).",
                "Values and their ciphertext are unchanged."})
    static final class UpdateKeys extends Base {

        @Parameters(paramLabel = "FILE", description = "The encrypted file.")
        Path file;

        @Option(names = "--age", paramLabel = "RECIPIENT", split = ",",
                description = "The new recipients (age1...); repeatable. Default: from .sops.yaml.")
        List<String> recipients = new ArrayList<>();

        @CommandLine.Mixin
        KeyOption keys = new KeyOption();

        @Override
        int run() throws SecretException {
            byte[] content = read(file);
            SopsFile previous = Sops.decrypt(content, SopsFormat.forFileName(file.getFileName().toString()),
                    file.toString(), keys.identities());
            List<String> wanted = recipients;
            if (wanted.isEmpty()) {
                Path config = CreationRules.find(file).orElseThrow(() -> new SecretException("no .sops.yaml at or"
                        + " above " + file + "; give the recipients with --age"));
                wanted = CreationRules.forFile(config, file).ageRecipients();
            }
            for (String recipient : wanted) {
                Age.validateRecipient(recipient);
            }
            List<String> added = new ArrayList<>(wanted);
            added.removeAll(previous.ageRecipients());
            List<String> removed = new ArrayList<>(previous.ageRecipients());
            removed.removeAll(wanted);
            if (added.isEmpty() && removed.isEmpty()) {
                err().println(file + ": already encrypted for exactly these recipients; nothing to do");
                err().flush();
                return 0;
            }
            replace(file, Sops.updateKeys(previous, content, wanted));
            added.forEach(r -> err().println("+ " + r));
            removed.forEach(r -> err().println("- " + r));
            err().println(file + ": data key wrapped for " + wanted.size() + " recipient(s)");
            err().flush();
            return 0;
        }
    }
}
