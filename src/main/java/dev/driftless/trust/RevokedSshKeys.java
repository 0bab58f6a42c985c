package dev.driftless.trust;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.eclipse.jgit.lib.Config;
import org.eclipse.jgit.lib.GpgConfig;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.signing.ssh.SigningKeyDatabase;

/**
 * The SSH keys that may no longer sign, in the file git reads as gpg.ssh.revocationFile and
 * {@code ssh-keygen -Y verify -r} reads: public keys one a line, or a binary key revocation list (KRL) made by
 * {@code ssh-keygen -k}. As in OpenSSH, a listed key revokes itself and every certificate on it, and a listed
 * certificate authority revokes every certificate it issued.
 *
 * <p>A list of keys is decided here, from the lines read when the settings were loaded. A KRL is read by JGit
 * (its reader is not public) from a private copy: JGit treats a missing file as "nothing revoked", so the copy is
 * written again whenever it has gone (a cleaner of the temporary folder must not un-revoke a key).
 */
public final class RevokedSshKeys {

    private static final byte[] KRL_MAGIC = {'S', 'S', 'H', 'K', 'R', 'L', '\n', 0};

    /** A revoked key as its line lists it; a certificate's line revokes the key it certifies. */
    public record Listed(int line, String key, String fingerprint) {
    }

    private final Path file;
    private final List<Listed> listed;
    private final Optional<Krl> krl;

    private RevokedSshKeys(Path file, List<Listed> listed, Optional<Krl> krl) {
        this.file = file;
        this.listed = List.copyOf(listed);
        this.krl = krl;
    }

    /** Reads and checks {@code file}; a line git could not read, or a damaged KRL, is an error naming file:line. */
    public static RevokedSshKeys load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TrustSettingsException(file + ": cannot read the revoked SSH keys file (" + e.getMessage()
                    + "); give a readable file of public keys, one a line, or a KRL made by ssh-keygen -k", e);
        }
        Path absolute = file.toAbsolutePath();
        if (bytes.length >= KRL_MAGIC.length && Arrays.equals(bytes, 0, KRL_MAGIC.length, KRL_MAGIC, 0,
                KRL_MAGIC.length)) {
            return new RevokedSshKeys(absolute, List.of(), Optional.of(Krl.load(absolute, bytes)));
        }
        List<Listed> listed = new ArrayList<>();
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                listed.add(parse(i + 1, line));
            } catch (IllegalArgumentException e) {
                throw new TrustSettingsException(file + ":" + (i + 1) + ": " + e.getMessage() + " (a line is a public"
                        + " key as in its .pub file: KEYTYPE BASE64KEY [COMMENT], with no principals or options)");
            }
        }
        return new RevokedSshKeys(absolute, listed, Optional.empty());
    }

    public Path file() {
        return file;
    }

    /** The copy of a KRL that JGit reads; empty for a list of keys, which is decided here. */
    Optional<Path> jgitCopy() {
        return krl.map(k -> k.copy);
    }

    /** The keys the file lists; empty for a KRL. */
    public List<Listed> listed() {
        return listed;
    }

    /**
     * Why {@code key} (the key or certificate a signature carries) may not sign, naming this file, or empty when
     * it is not revoked.
     */
    Optional<String> revocation(Repository repository, PublicKey key) throws IOException {
        if (krl.isPresent()) {
            return krl.get().revokes(repository, key)
                    ? Optional.of("the key revocation list " + file + " revokes it")
                    : Optional.empty();
        }
        // a certificate is revoked by its own key (listed as a key or a certificate) or by its authority
        PublicKey plain = key instanceof OpenSshCertificate certificate ? certificate.getCertPubKey() : key;
        Optional<String> ofKey = listedAt(plain).map(at -> at + " lists it");
        if (ofKey.isPresent() || !(key instanceof OpenSshCertificate certificate)) {
            return ofKey;
        }
        return listedAt(certificate.getCaPubKey()).map(at -> "its certificate authority "
                + KeyUtils.getFingerPrint(certificate.getCaPubKey()) + " is listed at " + at);
    }

    /** FILE:LINE of the first line listing {@code plainKey}. */
    private Optional<String> listedAt(PublicKey plainKey) {
        String key = PublicKeyEntry.toString(plainKey);
        return listed.stream().filter(l -> l.key().equals(key)).findFirst().map(l -> file + ":" + l.line());
    }

    private static Listed parse(int number, String line) {
        String[] words = line.split("\\s+");
        if (words.length < 2) {
            throw new IllegalArgumentException("'" + line + "' is not a public key");
        }
        PublicKey key;
        try {
            key = PublicKeyEntry.parsePublicKeyEntry(words[0] + " " + words[1]).resolvePublicKey(null, null, null);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read '" + words[0] + "' as a public key (" + e.getMessage()
                    + ")", e);
        }
        if (key == null) {
            throw new IllegalArgumentException("'" + words[0] + "' is not a key type this version can read");
        }
        // OpenSSH compares the public parts: a listed certificate revokes the key it certifies
        PublicKey plain = key instanceof OpenSshCertificate certificate ? certificate.getCertPubKey() : key;
        return new Listed(number, PublicKeyEntry.toString(plain), KeyUtils.getFingerPrint(plain));
    }

    /** A binary KRL, read by JGit from a copy only this user can read. */
    private static final class Krl {
        private static final FileAttribute<?> PRIVATE = PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------"));

        private final byte[] bytes;
        private final Path copy;
        private final GpgConfig config;

        private Krl(byte[] bytes, Path copy) {
            this.bytes = bytes;
            this.copy = copy;
            // a Config of our own: never the user's or the repository's git config
            Config config = new Config();
            config.setString("gpg", "ssh", "revocationFile", copy.toString());
            this.config = new GpgConfig(config);
        }

        static Krl load(Path file, byte[] bytes) {
            Krl krl;
            try {
                Path copy = Files.createTempFile("driftless-revoked-ssh-keys-", ".krl", PRIVATE);
                copy.toFile().deleteOnExit();
                krl = new Krl(bytes, Files.write(copy, bytes));
            } catch (IOException e) {
                throw new TrustSettingsException(file + ": cannot write the copy of the key revocation list that JGit"
                        + " reads to " + System.getProperty("java.io.tmpdir") + " (" + e.getMessage()
                        + "); make that folder writable", e);
            }
            try {
                // JGit reads a KRL when it first checks a key: check one now, so that a damaged file fails here
                KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(1024);
                krl.revokes(null, generator.generateKeyPair().getPublic());
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                throw new TrustSettingsException(file + ": not a key revocation list JGit can read ("
                        + e.getMessage() + "); make it again with ssh-keygen -k -f " + file + " KEY.pub…", e);
            }
            return krl;
        }

        boolean revokes(Repository repository, PublicKey key) throws IOException {
            if (!Files.exists(copy)) {
                Files.write(Files.createFile(copy, PRIVATE), bytes);
            }
            // the repository only resolves a relative file name; the copy's name is absolute
            return SigningKeyDatabase.getInstance().isRevoked(repository, config, key);
        }
    }
}
