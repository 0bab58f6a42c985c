package dev.driftless.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.StreamSupport;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;

/**
 * Real signing keys and real signed Git objects for tests: SSH keys made by ssh-keygen, OpenPGP keys made by
 * gpg in a GnuPG home of their own, commits and tags made and checked by the real git. Git never reads the
 * user's configuration here; close() stops the gpg-agents it started.
 */
public final class SigningKeys implements AutoCloseable {

    /** The time an expired OpenPGP key lives in: it is made, and signs, on 1 January 2020, and expires a day later. */
    public static final String EXPIRED_KEY_TIME = "20200101T120000";
    private static final String EXPIRED_KEY_GIT_DATE = "2020-01-01T12:00:00Z";

    /** A key git can sign with. */
    public sealed interface SigningKey permits SshKey, PgpKey {
    }

    /** An ssh-keygen ed25519 key; {@code publicKey} is the .pub file's line. */
    public record SshKey(String principal, Path privateKey, Path publicKeyFile, String publicKey) implements SigningKey {

        /** This key's line in an allowed_signers file, with {@code options} (may be empty) before the key. */
        public String allowedSignersLine(String options) {
            String[] words = publicKey.strip().split("\\s+");
            return principal + (options.isEmpty() ? "" : " " + options) + " " + words[0] + " " + words[1];
        }
    }

    /** An OpenPGP key in the signers' GnuPG home; {@code publicKeyFile} is its armored export. */
    public record PgpKey(String userId, String fingerprint, Path publicKeyFile, Optional<String> fakedTime)
            implements SigningKey {
    }

    /** How a git command ended. */
    public record Outcome(int exitCode, String output) {
    }

    private final Path dir;
    private final Path home;
    private final Path signers;
    private final List<Path> gnupgHomes = new ArrayList<>();
    private final AtomicInteger counter = new AtomicInteger();

    public SigningKeys(Path dir) {
        this.dir = dir;
        this.home = privateFolder(dir.resolve("home"));
        this.signers = gnupgHome(dir.resolve("signers-gnupg"));
    }

    public SshKey sshKey(String principal) {
        Path key = dir.resolve("ssh-" + counter.incrementAndGet());
        run(dir, Map.of(), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", principal, "-f", key.toString());
        Path pub = Path.of(key + ".pub");
        return new SshKey(principal, key, pub, read(pub).strip());
    }

    /**
     * A new key certified by {@code authority} (ssh-keygen -s) for {@code principals}; git signs with the
     * certificate, which {@link SshKey#publicKeyFile()} is.
     */
    public SshKey sshCertificate(SshKey authority, String... principals) {
        SshKey key = sshKey(String.join(",", principals));
        run(dir, Map.of(), "ssh-keygen", "-q", "-s", authority.privateKey().toString(), "-I", key.principal(),
                "-n", String.join(",", principals), key.publicKeyFile().toString());
        Path certificate = Path.of(key.privateKey() + "-cert.pub");
        return new SshKey(key.principal(), key.privateKey(), certificate, read(certificate).strip());
    }

    /**
     * A revocation list made by {@code ssh-keygen -k} (a binary KRL) that revokes {@code keys}, certificates by
     * the key they certify.
     */
    public Path revocationList(SshKey... keys) {
        Path krl = dir.resolve("revoked-" + counter.incrementAndGet() + ".krl");
        List<String> command = new ArrayList<>(List.of("ssh-keygen", "-q", "-k", "-f", krl.toString()));
        for (SshKey key : keys) {
            command.add(key.publicKeyFile().toString());
        }
        run(dir, Map.of(), command.toArray(String[]::new));
        return krl;
    }

    /** A KRL ({@code ssh-keygen -k -s}) that revokes the certificates {@code authority} issued with this key ID. */
    public Path revocationListOfCertificates(SshKey authority, String keyId) {
        Path spec = write(dir.resolve("krl-spec-" + counter.incrementAndGet()), "id: " + keyId + "\n");
        Path krl = dir.resolve("revoked-" + counter.incrementAndGet() + ".krl");
        run(dir, Map.of(), "ssh-keygen", "-q", "-k", "-f", krl.toString(), "-s", authority.publicKeyFile().toString(),
                spec.toString());
        return krl;
    }

    /** An OpenPGP key whose primary key only certifies and whose ed25519 subkey signs. */
    public PgpKey pgpKeyWithSigningSubkey(String userId) {
        return pgpKeyWithSigningSubkey(userId, Optional.empty(), "0");
    }

    /**
     * An OpenPGP key made on {@link #EXPIRED_KEY_TIME} whose primary key never expires and whose signing subkey
     * expired a day later; it signs at that time.
     */
    public PgpKey pgpKeyWithExpiredSigningSubkey(String userId) {
        return pgpKeyWithSigningSubkey(userId, Optional.of(EXPIRED_KEY_TIME), "1d");
    }

    private PgpKey pgpKeyWithSigningSubkey(String userId, Optional<String> fakedTime, String subkeyExpiry) {
        signersGpg(fakedTime, "--quick-gen-key", userId, "ed25519", "cert", "0");
        String fingerprint = fingerprint(userId);
        signersGpg(fakedTime, "--quick-add-key", fingerprint, "ed25519", "sign", subkeyExpiry);
        return new PgpKey(userId, fingerprint, export(fingerprint), fakedTime);
    }

    /**
     * Revokes the first subkey of {@code key} (gpg --edit-key, scripted: key 1, revkey); returns the key's new
     * export, which carries the revocation. The primary key stays valid.
     */
    public PgpKey revokeSubkey(PgpKey key) {
        run(dir, gpgEnvironment(signers), "sh", "-c", "printf 'key 1\\nrevkey\\ny\\n0\\n\\ny\\nsave\\n' | gpg --batch"
                + " --command-fd 0 --pinentry-mode loopback --passphrase '' --edit-key " + key.fingerprint());
        return new PgpKey(key.userId(), key.fingerprint(), export(key.fingerprint()), key.fakedTime());
    }

    /**
     * The public key file of {@code onto} with the signing subkey of {@code from} added to it, bound by the
     * binding signature {@code from}'s primary key made: what a forger would pass off as {@code onto}'s key
     * (BouncyCastle, since gpg refuses to build it).
     */
    public Path withSubkeyOf(PgpKey onto, PgpKey from) {
        try {
            return armored("grafted", PGPPublicKeyRing.insertPublicKey(ring(onto), subkey(ring(from))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The public key file of {@code key} (made by {@link #pgpKeyWithSigningSubkey}) with its signing subkey bound
     * anew by the primary key, but without the back-signature by the subkey that gpg puts in the binding (the
     * cross-certification): BouncyCastle, with the primary key's secret exported from the signers' GnuPG home.
     */
    public Path withoutCrossCertification(PgpKey key) {
        return rebound(key, KeyFlags.SIGN_DATA);
    }

    /** As {@link #withoutCrossCertification}, the subkey bound for authentication only, not for signing. */
    public Path boundForAuthenticationOnly(PgpKey key) {
        return rebound(key, KeyFlags.AUTHENTICATION);
    }

    private Path rebound(PgpKey key, int keyFlags) {
        Path exported = dir.resolve("secret-" + counter.incrementAndGet() + ".gpg");
        run(dir, gpgEnvironment(signers), "gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "",
                "--output", exported.toString(), "--export-secret-keys", key.fingerprint());
        try (InputStream in = Files.newInputStream(exported)) {
            PGPPrivateKey primarySecret = new PGPSecretKeyRing(in, new BcKeyFingerprintCalculator()).getSecretKey()
                    .extractPrivateKey(null);
            PGPPublicKeyRing ring = ring(key);
            PGPPublicKey primary = ring.getPublicKey();
            PGPPublicKey subkey = subkey(ring);
            PGPSignatureGenerator generator = new PGPSignatureGenerator(
                    new BcPGPContentSignerBuilder(primary.getAlgorithm(), HashAlgorithmTags.SHA256), primary);
            generator.init(PGPSignature.SUBKEY_BINDING, primarySecret);
            PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
            hashed.setSignatureCreationTime(false, new Date());
            hashed.setKeyFlags(false, keyFlags);
            generator.setHashedSubpackets(hashed.generate());
            PGPSignature binding = generator.generateCertification(primary, subkey);
            List<PGPSignature> old = new ArrayList<>();
            subkey.getSignaturesOfType(PGPSignature.SUBKEY_BINDING).forEachRemaining(old::add);
            for (PGPSignature signature : old) {
                subkey = PGPPublicKey.removeCertification(subkey, signature);
            }
            return armored("rebound", PGPPublicKeyRing.insertPublicKey(ring,
                    PGPPublicKey.addCertification(subkey, binding)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (PGPException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PGPPublicKey subkey(PGPPublicKeyRing ring) {
        return StreamSupport.stream(ring.spliterator(), false).filter(k -> !k.isMasterKey()).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the key has no subkey"));
    }

    private Path armored(String name, PGPPublicKeyRing ring) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ArmoredOutputStream armored = new ArmoredOutputStream(bytes)) {
            ring.encode(armored);
        }
        return Files.write(dir.resolve(name + "-" + counter.incrementAndGet() + ".asc"), bytes.toByteArray());
    }

    private static PGPPublicKeyRing ring(PgpKey key) throws IOException {
        try (InputStream in = PGPUtil.getDecoderStream(Files.newInputStream(key.publicKeyFile()))) {
            return new PGPPublicKeyRing(in, new BcKeyFingerprintCalculator());
        }
    }

    /** An OpenPGP ed25519 signing key that never expires. */
    public PgpKey pgpKey(String userId) {
        return pgpKey(userId, Optional.empty(), "0");
    }

    /** An OpenPGP key made on {@link #EXPIRED_KEY_TIME} that expired a day later; it signs at that time too. */
    public PgpKey expiredPgpKey(String userId) {
        return pgpKey(userId, Optional.of(EXPIRED_KEY_TIME), "1d");
    }

    private PgpKey pgpKey(String userId, Optional<String> fakedTime, String expiry) {
        signersGpg(fakedTime, "--quick-gen-key", userId, "ed25519", "sign", expiry);
        String fingerprint = fingerprint(userId);
        return new PgpKey(userId, fingerprint, export(fingerprint), fakedTime);
    }

    /** Runs gpg on the signers' GnuPG home, at {@code fakedTime} when given. */
    private void signersGpg(Optional<String> fakedTime, String... args) {
        List<String> command = new ArrayList<>(List.of("gpg", "--batch", "--passphrase", ""));
        fakedTime.ifPresent(t -> command.addAll(List.of("--faked-system-time", t + "!")));
        command.addAll(List.of(args));
        run(dir, gpgEnvironment(signers), command.toArray(String[]::new));
    }

    /** Revokes {@code key} with the revocation certificate gpg made with it; returns its export, which carries it. */
    public PgpKey revoke(PgpKey key) {
        run(dir, gpgEnvironment(signers), "gpg", "--batch", "--import", revocationCertificate(key).toString());
        return new PgpKey(key.userId(), key.fingerprint(), export(key.fingerprint()), key.fakedTime());
    }

    /** The revocation certificate gpg made with {@code key}, ready to import (or to append to a key file). */
    public Path revocationCertificate(PgpKey key) {
        Path certificate = signers.resolve("openpgp-revocs.d").resolve(key.fingerprint() + ".rev");
        // gpg prefixes the block with ':' so that it is not imported by accident
        return write(dir.resolve("revoke-" + key.fingerprint() + ".asc"),
                read(certificate).replace(":-----BEGIN", "-----BEGIN"));
    }

    /** A GnuPG home (as root's ~/.gnupg would be) that holds {@code keys}, fully trusted by GnuPG. */
    public Path gnupgHomeWith(Path at, PgpKey... keys) {
        Path gnupg = gnupgHome(at);
        for (PgpKey key : keys) {
            run(dir, gpgEnvironment(gnupg), "gpg", "--batch", "--import", key.publicKeyFile().toString());
            run(dir, gpgEnvironment(gnupg), "sh", "-c", "echo " + key.fingerprint() + ":6: | gpg --batch --import-ownertrust");
        }
        return gnupg;
    }

    /** Writes a file in {@code repo} and commits it with the real git, signed with {@code key}; returns the id. */
    public String commit(Path repo, SigningKey key, String message) {
        write(repo.resolve("file-" + counter.incrementAndGet()), message + "\n");
        git(repo, key, "add", "-A");
        git(repo, key, "commit", "-q", "-S", "-m", message);
        return git(repo, key, "rev-parse", "HEAD").output().strip();
    }

    /** Commits without a signature, with the real git. */
    public String unsignedCommit(Path repo, String message) {
        write(repo.resolve("file-" + counter.incrementAndGet()), message + "\n");
        git(repo, Optional.empty(), "add", "-A");
        git(repo, Optional.empty(), "commit", "-q", "-m", message);
        return git(repo, Optional.empty(), "rev-parse", "HEAD").output().strip();
    }

    /** Merges {@code branch} into the checked-out branch with a merge commit signed with {@code key}. */
    public String signedMerge(Path repo, SigningKey key, String branch) {
        git(repo, key, "merge", "-q", "--no-ff", "-S", "-m", "merge " + branch, branch);
        return git(repo, key, "rev-parse", "HEAD").output().strip();
    }

    /** An annotated tag of HEAD signed with {@code key}; returns the tag object's id. */
    public String signedTag(Path repo, SigningKey key, String name) {
        git(repo, key, "tag", "-s", "-m", "release " + name, name);
        return git(repo, key, "rev-parse", name).output().strip();
    }

    /** An annotated tag of HEAD without a signature; returns the tag object's id. */
    public String unsignedTag(Path repo, String name) {
        git(repo, Optional.empty(), "tag", "-a", "-m", "release " + name, name);
        return git(repo, Optional.empty(), "rev-parse", name).output().strip();
    }

    /**
     * A copy of commit {@code id} with its message changed and its signature kept, written with
     * {@code git hash-object -w -t commit}; returns the new object's id.
     */
    public String tamperedCopy(Path repo, String id) {
        String raw = git(repo, Optional.empty(), "cat-file", "commit", id).output();
        Path changed = write(dir.resolve("tampered-" + counter.incrementAndGet()), raw.replaceFirst("\n\n", "\n\nEVIL "));
        return git(repo, Optional.empty(), "hash-object", "-w", "-t", "commit", changed.toString()).output().strip();
    }

    /**
     * What git decides about {@code id} with exactly these keys: {@code git verify-commit} (or verify-tag) with
     * gpg.ssh.allowedSignersFile and a fresh GnuPG home holding only {@code pgpKeys}. Exit 0 means trusted.
     */
    public Outcome gitVerifies(Path repo, String kind, String id, Optional<Path> allowedSigners, List<Path> pgpKeys) {
        return gitVerifies(repo, kind, id, allowedSigners, Optional.empty(), pgpKeys);
    }

    /** As {@link #gitVerifies(Path, String, String, Optional, List)}, with gpg.ssh.revocationFile too. */
    public Outcome gitVerifies(Path repo, String kind, String id, Optional<Path> allowedSigners,
            Optional<Path> revokedSshKeys, List<Path> pgpKeys) {
        Path gnupg = gnupgHome(dir.resolve("oracle-gnupg-" + counter.incrementAndGet()));
        for (Path file : pgpKeys) {
            run(dir, gpgEnvironment(gnupg), "gpg", "--batch", "--import", file.toString());
        }
        return gitVerifies(repo, kind, id, allowedSigners, revokedSshKeys, gnupg, home);
    }

    /** {@code git verify-commit} or {@code verify-tag} with {@code gnupg} as GnuPG's home and {@code home} as HOME. */
    public Outcome gitVerifies(Path repo, String kind, String id, Optional<Path> allowedSigners, Path gnupg, Path home) {
        return gitVerifies(repo, kind, id, allowedSigners, Optional.empty(), gnupg, home);
    }

    private Outcome gitVerifies(Path repo, String kind, String id, Optional<Path> allowedSigners,
            Optional<Path> revokedSshKeys, Path gnupg, Path home) {
        List<String> command = new ArrayList<>(List.of("git", "-C", repo.toString()));
        allowedSigners.ifPresent(f -> command.addAll(List.of("-c", "gpg.ssh.allowedSignersFile=" + f)));
        revokedSshKeys.ifPresent(f -> command.addAll(List.of("-c", "gpg.ssh.revocationFile=" + f)));
        command.addAll(List.of("verify-" + kind, id));
        Map<String, String> env = new HashMap<>(gitEnvironment(home));
        env.put("GNUPGHOME", gnupg.toString());
        return run(repo, env, false, command.toArray(String[]::new));
    }

    /** Runs git in {@code repo} without any signing key (to init, branch, check out). */
    public Outcome git(Path repo, String... args) {
        return git(repo, Optional.empty(), args);
    }

    private Outcome git(Path repo, SigningKey key, String... args) {
        return git(repo, Optional.of(key), args);
    }

    private Outcome git(Path repo, Optional<SigningKey> key, String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-c", "user.name=Signer", "-c", "user.email=signer@example.org"));
        Map<String, String> env = new HashMap<>(gitEnvironment(home));
        env.put("GNUPGHOME", signers.toString());
        if (key.isPresent() && key.get() instanceof SshKey ssh) {
            command.addAll(List.of("-c", "gpg.format=ssh", "-c", "user.signingkey=" + ssh.publicKeyFile()));
        } else if (key.isPresent() && key.get() instanceof PgpKey pgp) {
            command.addAll(List.of("-c", "gpg.format=openpgp", "-c", "user.signingkey=" + pgp.fingerprint(),
                    "-c", "gpg.program=" + gpgProgram(pgp)));
            pgp.fakedTime().ifPresent(t -> {
                env.put("GIT_COMMITTER_DATE", EXPIRED_KEY_GIT_DATE);
                env.put("GIT_AUTHOR_DATE", EXPIRED_KEY_GIT_DATE);
            });
        }
        command.addAll(List.of(args));
        return run(repo, env, command.toArray(String[]::new));
    }

    /** gpg itself, or for a key that lives in the past a script that runs gpg at that time. */
    private String gpgProgram(PgpKey key) {
        if (key.fakedTime().isEmpty()) {
            return "gpg";
        }
        Path script = dir.resolve("gpg-at-" + key.fakedTime().get());
        if (!Files.exists(script)) {
            write(script, "#!/bin/sh\nexec gpg --faked-system-time " + key.fakedTime().get() + "! \"$@\"\n");
            script.toFile().setExecutable(true);
        }
        return script.toString();
    }

    private String fingerprint(String userId) {
        String listing = run(dir, gpgEnvironment(signers), "gpg", "--batch", "--with-colons", "--list-keys",
                "=" + userId).output();
        return listing.lines().filter(l -> l.startsWith("fpr:")).findFirst().orElseThrow().split(":")[9];
    }

    private Path export(String fingerprint) {
        String armored = run(dir, gpgEnvironment(signers), "gpg", "--batch", "--armor", "--export", fingerprint)
                .output();
        return write(dir.resolve("pgp-" + fingerprint + "-" + counter.incrementAndGet() + ".asc"), armored);
    }

    private Path gnupgHome(Path at) {
        privateFolder(at);
        gnupgHomes.add(at);
        return at;
    }

    private static Path privateFolder(Path at) {
        try {
            Files.createDirectories(at);
            Files.setPosixFilePermissions(at, PosixFilePermissions.fromString("rwx------"));
            return at;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, String> gpgEnvironment(Path gnupg) {
        return Map.of("GNUPGHOME", gnupg.toString(), "HOME", home.toString());
    }

    /** Git reads neither the system's nor the user's configuration, and dates are as given. */
    private static Map<String, String> gitEnvironment(Path home) {
        return Map.of("HOME", home.toString(), "GIT_CONFIG_NOSYSTEM", "1", "GIT_CONFIG_GLOBAL", "/dev/null",
                "LC_ALL", "C");
    }

    private static Outcome run(Path in, Map<String, String> env, String... command) {
        return run(in, env, true, command);
    }

    private static Outcome run(Path in, Map<String, String> env, boolean mustSucceed, String... command) {
        try {
            Path output = Files.createTempFile("signing-keys", ".out");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).directory(in.toFile())
                        .redirectErrorStream(true).redirectOutput(output.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
                builder.environment().putAll(env);
                Process process = builder.start();
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", command) + ": still running after 60 s");
                }
                Outcome outcome = new Outcome(process.exitValue(), read(output));
                if (mustSucceed && outcome.exitCode() != 0) {
                    throw new IllegalStateException(String.join(" ", command) + ": exit " + outcome.exitCode() + "\n"
                            + outcome.output());
                }
                return outcome;
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path write(Path file, String content) {
        try {
            return Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the gpg-agent of every GnuPG home made here (gpg starts one per home and leaves it running). */
    @Override
    public void close() {
        for (Path gnupg : gnupgHomes) {
            run(dir, gpgEnvironment(gnupg), false, "gpgconf", "--kill", "all");
        }
    }
}
