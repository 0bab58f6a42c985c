package dev.driftless.secrets.sops;

import dev.driftless.secrets.SecretException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.bcpg.SecretKeyPacket;
import org.bouncycastle.openpgp.PGPCompressedData;
import org.bouncycastle.openpgp.PGPEncryptedData;
import org.bouncycastle.openpgp.PGPEncryptedDataList;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPObjectFactory;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyEncryptedData;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyDataDecryptorFactory;
import org.bouncycastle.util.encoders.Hex;

/**
 * The OpenPGP private keys we hold, and decryption of the data keys sops wraps for them; messages name keys by
 * fingerprint only, never by their material.
 */
public final class PgpKeys {

    /** One secret key ring (a primary key and its subkeys), named by its primary fingerprint. */
    private record Held(PGPSecretKeyRing ring, String fingerprint, String origin) {
        @Override
        public String toString() {
            return fingerprint;
        }
    }

    private static final PgpKeys NONE = new PgpKeys(List.of());
    private static final String EXPORT_HINT = "export it with 'gpg --export-secret-keys --armor FINGERPRINT'";

    private final List<Held> keys;

    private PgpKeys(List<Held> keys) {
        this.keys = List.copyOf(keys);
    }

    /**
     * Reads OpenPGP secret keys, armored ({@code gpg --export-secret-keys --armor}) or binary. {@code origin} says
     * where they came from, for error messages.
     */
    public static PgpKeys parse(byte[] armoredSecretKeys, String origin) throws SecretException {
        List<Held> found = new ArrayList<>();
        try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(armoredSecretKeys))) {
            PGPObjectFactory objects = new BcPGPObjectFactory(in);
            for (Object object = objects.nextObject(); object != null; object = objects.nextObject()) {
                if (object instanceof PGPSecretKeyRing ring) {
                    found.add(new Held(ring, hex(ring.getPublicKey().getFingerprint()), origin));
                } else if (object instanceof PGPPublicKeyRing) {
                    throw new SecretException(origin + " holds an OpenPGP public key, not the private key; "
                            + EXPORT_HINT);
                }
            }
        } catch (IOException | RuntimeException e) {
            // The parser's own message may quote the input, so only its kind is told.
            throw new SecretException(origin + " is not a readable OpenPGP private key ("
                    + e.getClass().getSimpleName() + "); " + EXPORT_HINT);
        }
        if (found.isEmpty()) {
            throw new SecretException(origin + " holds no OpenPGP private key; " + EXPORT_HINT);
        }
        return NONE.plus(new PgpKeys(found)); // plus() drops a key given twice
    }

    public static PgpKeys none() {
        return NONE;
    }

    public boolean isEmpty() {
        return keys.isEmpty();
    }

    /** These keys followed by the other's, each primary fingerprint once. */
    public PgpKeys plus(PgpKeys other) {
        Map<String, Held> byFingerprint = new LinkedHashMap<>();
        for (Held held : keys) {
            byFingerprint.putIfAbsent(held.fingerprint(), held);
        }
        for (Held held : other.keys) {
            byFingerprint.putIfAbsent(held.fingerprint(), held);
        }
        return new PgpKeys(new ArrayList<>(byFingerprint.values()));
    }

    /** The primary key fingerprint of each key, upper-case hex as sops writes it in {@code fp}. */
    public List<String> fingerprints() {
        return keys.stream().map(Held::fingerprint).toList();
    }

    /** Decrypts an armored OpenPGP message with whichever of our keys it was encrypted for. */
    public byte[] decrypt(String armoredMessage, String displayName) throws SecretException {
        Optional<byte[]> plain = open(armoredMessage, displayName);
        if (plain.isEmpty()) {
            throw new SecretException(displayName + ": none of your PGP keys can decrypt it (your keys are "
                    + describe() + "); it was encrypted for other keys");
        }
        return plain.get();
    }

    /** Whether a sops {@code fp} (a fingerprint, or a key ID as its tail) names one of our keys or subkeys. */
    boolean holds(String fp) {
        String wanted = fp.replaceAll("\\s", "").toUpperCase(Locale.ROOT);
        if (wanted.length() < 16) {
            return false;
        }
        for (Held held : keys) {
            for (Iterator<PGPPublicKey> it = held.ring().getPublicKeys(); it.hasNext(); ) {
                if (hex(it.next().getFingerprint()).endsWith(wanted)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The plaintext, or empty when none of our keys is a recipient of the message; fails when the message is
     * damaged, fails its integrity check, or needs a key we cannot use.
     */
    Optional<byte[]> open(String armoredMessage, String displayName) throws SecretException {
        if (keys.isEmpty()) {
            return Optional.empty();
        }
        String damaged = displayName + ": the PGP message is damaged or not valid";
        try (InputStream in = PGPUtil.getDecoderStream(
                new ByteArrayInputStream(armoredMessage.getBytes(StandardCharsets.UTF_8)))) {
            PGPEncryptedDataList list = null;
            PGPObjectFactory objects = new BcPGPObjectFactory(in);
            for (Object object = objects.nextObject(); object != null && list == null; object = objects.nextObject()) {
                if (object instanceof PGPEncryptedDataList l) {
                    list = l; // marker packets may come first
                }
            }
            if (list == null) {
                throw new SecretException(damaged + " (it holds no encrypted data)");
            }
            boolean failed = false;
            for (PGPEncryptedData data : list) {
                if (!(data instanceof PGPPublicKeyEncryptedData encrypted)) {
                    continue;
                }
                for (Held held : keys) {
                    // A wildcard (anonymous) recipient matches every key: the wrong ones fail and the next is tried.
                    for (Iterator<PGPSecretKey> it = held.ring().getSecretKeys(encrypted.getKeyIdentifier());
                            it.hasNext(); ) {
                        PGPPrivateKey key = privateKey(it.next(), held, displayName);
                        try {
                            return Optional.of(read(encrypted, key, displayName));
                        } catch (PGPException e) {
                            failed = true;
                        }
                    }
                }
            }
            if (failed) {
                throw new SecretException(damaged + ": it does not open with the PGP key it names");
            }
            return Optional.empty();
        } catch (IOException | PGPException | RuntimeException e) {
            throw new SecretException(damaged + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Primary fingerprints with the place each came from, for "keys tried" messages. */
    String describe() {
        Map<String, List<String>> byOrigin = new LinkedHashMap<>();
        for (Held held : keys) {
            byOrigin.computeIfAbsent(held.origin(), o -> new ArrayList<>()).add("pgp " + held.fingerprint());
        }
        List<String> parts = new ArrayList<>();
        byOrigin.forEach((origin, fps) -> parts.add(String.join(", ", fps) + " from " + origin));
        return parts.isEmpty() ? "no key" : String.join("; ", parts);
    }

    @Override
    public String toString() {
        return "PgpKeys" + fingerprints();
    }

    private static PGPPrivateKey privateKey(PGPSecretKey secret, Held held, String displayName)
            throws SecretException, PGPException {
        String which = "the PGP key " + held.fingerprint() + " (from " + held.origin() + ")";
        if (secret.isPrivateKeyEmpty()) {
            throw new SecretException(displayName + ": " + which + " has no private part for subkey "
                    + hex(secret.getFingerprint()) + " (a stub, e.g. for a smartcard); export the real private key");
        }
        if (secret.getS2KUsage() != SecretKeyPacket.USAGE_NONE) {
            throw new SecretException(displayName + ": " + which + " is protected by a passphrase, which Driftless"
                    + " cannot ask for; export a copy without one for the machine that decrypts");
        }
        return secret.extractPrivateKey(null);
    }

    /** The literal data of the message, returned only once its integrity check passed. */
    private static byte[] read(PGPPublicKeyEncryptedData encrypted, PGPPrivateKey key, String displayName)
            throws PGPException, IOException, SecretException {
        if (!encrypted.isIntegrityProtected()) {
            // As sops' OpenPGP library does: without a modification detection code the data could be altered.
            throw new SecretException(displayName + ": the PGP message is not integrity-protected; encrypt the"
                    + " file again");
        }
        InputStream clear = encrypted.getDataStream(new BcPublicKeyDataDecryptorFactory(key));
        byte[] plain = null;
        PGPObjectFactory objects = new BcPGPObjectFactory(clear);
        for (Object object = objects.nextObject(); object != null && plain == null; object = objects.nextObject()) {
            if (object instanceof PGPCompressedData compressed) {
                objects = new BcPGPObjectFactory(compressed.getDataStream());
            } else if (object instanceof PGPLiteralData literal) {
                plain = literal.getInputStream().readAllBytes();
            }
        }
        if (plain == null) {
            throw new SecretException(displayName + ": the PGP message holds no data");
        }
        if (!encrypted.verify()) {
            throw new SecretException(displayName + ": the PGP message fails its integrity check: it was changed"
                    + " after it was encrypted");
        }
        return plain;
    }

    private static String hex(byte[] fingerprint) {
        return Hex.toHexString(fingerprint).toUpperCase(Locale.ROOT);
    }
}
