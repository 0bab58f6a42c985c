package dev.driftless.trust;

import dev.driftless.trust.Verdict.Reason;
import dev.driftless.trust.Verdict.Trusted;
import dev.driftless.trust.Verdict.Untrusted;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.bcpg.ArmoredInputStream;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.bc.BcPGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentVerifierBuilderProvider;

/**
 * The trusted OpenPGP public keys, read from armored files or binary keyrings ({@code gpg --export}), and the
 * in-process check of a detached signature against them: nothing else (no GnuPG home) is ever consulted.
 */
public final class OpenPgpKeys {

    private static final String BEGIN = "-----BEGIN PGP ";
    private static final String PUBLIC_BLOCK = "-----BEGIN PGP PUBLIC KEY BLOCK-----";

    private final List<PGPPublicKeyRing> rings;

    private OpenPgpKeys(List<PGPPublicKeyRing> rings) {
        this.rings = List.copyOf(rings);
    }

    /** Reads every file; one that holds no public key, or a private key, is an error naming it (and the line). */
    public static OpenPgpKeys load(List<Path> files) {
        List<PGPPublicKeyRing> rings = new ArrayList<>();
        for (Path file : files) {
            rings.addAll(read(file));
        }
        return new OpenPgpKeys(rings);
    }

    /** How many primary keys are trusted. */
    public int size() {
        return rings.size();
    }

    private static List<PGPPublicKeyRing> read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TrustSettingsException(file + ": cannot read the OpenPGP key file (" + e.getMessage() + ")", e);
        }
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        if (!text.contains(BEGIN)) {
            return rings(file, "", bytes);
        }
        // an armored file may hold several blocks (keys exported one by one and concatenated)
        List<PGPPublicKeyRing> rings = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (!line.startsWith(BEGIN)) {
                continue;
            }
            String where = ":" + (i + 1);
            if (!line.equals(PUBLIC_BLOCK)) {
                throw new TrustSettingsException(file + where + ": '" + line + "' is not a public key; give the"
                        + " public key only (gpg --export --armor FINGERPRINT)");
            }
            StringBuilder block = new StringBuilder();
            int end = i;
            while (end < lines.length && !lines[end].strip().startsWith("-----END PGP ")) {
                block.append(lines[end]).append('\n');
                end++;
            }
            if (end == lines.length) {
                throw new TrustSettingsException(file + where + ": the key block has no END line; export it again");
            }
            block.append(lines[end]).append('\n');
            try (InputStream armored = new ArmoredInputStream(
                    new ByteArrayInputStream(block.toString().getBytes(StandardCharsets.ISO_8859_1)))) {
                rings.addAll(rings(file, where, armored.readAllBytes()));
            } catch (IOException e) {
                throw new TrustSettingsException(file + where + ": the key block is damaged (" + e.getMessage()
                        + "); export it again with gpg --export --armor FINGERPRINT", e);
            }
            i = end;
        }
        return rings;
    }

    private static List<PGPPublicKeyRing> rings(Path file, String where, byte[] binary) {
        List<PGPPublicKeyRing> rings = new ArrayList<>();
        try {
            new BcPGPPublicKeyRingCollection(binary).getKeyRings().forEachRemaining(rings::add);
        } catch (IOException | PGPException | RuntimeException e) {
            throw new TrustSettingsException(file + where + ": not OpenPGP public keys (" + e.getMessage()
                    + "); export them with gpg --export --armor FINGERPRINT (a private key is refused)", e);
        }
        if (rings.isEmpty()) {
            throw new TrustSettingsException(file + where + ": holds no OpenPGP public key; export one with"
                    + " gpg --export --armor FINGERPRINT");
        }
        return rings;
    }

    /**
     * Checks an armored detached signature of {@code data} as GnuPG does for git verify-commit: the key must be
     * here, the signature good, and the key (and its primary key) neither revoked nor expired at {@code now}.
     */
    Verdict verify(byte[] data, byte[] signature, Instant now) {
        PGPSignature sig;
        try (InputStream in = new ArmoredInputStream(new ByteArrayInputStream(signature))) {
            Object first = new BcPGPObjectFactory(in).nextObject();
            if (!(first instanceof PGPSignatureList list) || list.isEmpty()) {
                return new Untrusted(Reason.BAD_SIGNATURE, Optional.empty(), "the OpenPGP signature holds no signature");
            }
            sig = list.get(0);
        } catch (IOException | RuntimeException e) {
            return new Untrusted(Reason.BAD_SIGNATURE, Optional.empty(), "the OpenPGP signature cannot be read ("
                    + e.getMessage() + ")");
        }
        Optional<Signing> found = find(sig.getKeyID());
        String keyId = String.format("%016X", sig.getKeyID());
        if (found.isEmpty()) {
            return new Untrusted(Reason.UNKNOWN_KEY, Optional.empty(), "signed by OpenPGP key " + keyId
                    + ", which is in none of the trusted OpenPGP key files");
        }
        Signing signing = found.get();
        Optional<String> signer = Optional.of(signing.userId());
        try {
            sig.init(new BcPGPContentVerifierBuilderProvider(), signing.key());
            sig.update(data);
            if (!sig.verify()) {
                return new Untrusted(Reason.BAD_SIGNATURE, signer, "the OpenPGP signature by " + signing.describe()
                        + " does not match the object: it was changed after it was signed");
            }
        } catch (PGPException | RuntimeException e) {
            return new Untrusted(Reason.BAD_SIGNATURE, signer, "the OpenPGP signature by " + signing.describe()
                    + " cannot be checked (" + e.getMessage() + ")");
        }
        if (signing.revoked()) {
            return new Untrusted(Reason.REVOKED_KEY, signer, "OpenPGP key " + signing.describe()
                    + " is revoked in the trusted key file");
        }
        Optional<Instant> expiry = signing.expiry();
        if (expiry.isPresent() && !now.isBefore(expiry.get())) {
            return new Untrusted(Reason.EXPIRED_KEY, signer, "OpenPGP key " + signing.describe() + " expired at "
                    + expiry.get());
        }
        return new Trusted(signing.userId(), signing.fingerprint(), SignatureKind.OPENPGP);
    }

    private Optional<Signing> find(long keyId) {
        for (PGPPublicKeyRing ring : rings) {
            PGPPublicKey key = ring.getPublicKey(keyId);
            if (key != null) {
                return Optional.of(new Signing(ring.getPublicKey(), key));
            }
        }
        return Optional.empty();
    }

    /** The key that made a signature and the primary key it belongs to (the same one when no subkey signed). */
    private record Signing(PGPPublicKey primary, PGPPublicKey key) {

        String userId() {
            Iterator<String> ids = primary.getUserIDs();
            return ids.hasNext() ? ids.next() : fingerprint();
        }

        String fingerprint() {
            return HexFormat.of().withUpperCase().formatHex(primary.getFingerprint());
        }

        String describe() {
            return fingerprint() + " (" + userId() + ")";
        }

        boolean revoked() {
            if (revokedBy(PGPSignature.KEY_REVOCATION, primary, primary)) {
                return true;
            }
            return key != primary && revokedBy(PGPSignature.SUBKEY_REVOCATION, primary, key);
        }

        /** A revocation counts only when the primary key made it, as GnuPG checks (designated revokers are not read). */
        private static boolean revokedBy(int type, PGPPublicKey primary, PGPPublicKey revoked) {
            Iterator<PGPSignature> signatures = revoked.getSignaturesOfType(type);
            while (signatures.hasNext()) {
                PGPSignature revocation = signatures.next();
                try {
                    revocation.init(new BcPGPContentVerifierBuilderProvider(), primary);
                    boolean good = type == PGPSignature.KEY_REVOCATION ? revocation.verifyCertification(revoked)
                            : revocation.verifyCertification(primary, revoked);
                    if (good) {
                        return true;
                    }
                } catch (PGPException | RuntimeException e) {
                    // a revocation that cannot be checked revokes nothing, as in GnuPG
                }
            }
            return false;
        }

        /** The earliest of the primary key's and the signing subkey's expiry, if either expires. */
        Optional<Instant> expiry() {
            Optional<Instant> primaryExpiry = expiryOf(primary);
            Optional<Instant> keyExpiry = key == primary ? Optional.empty() : expiryOf(key);
            if (primaryExpiry.isPresent() && keyExpiry.isPresent()) {
                return Optional.of(primaryExpiry.get().isBefore(keyExpiry.get()) ? primaryExpiry.get() : keyExpiry.get());
            }
            return primaryExpiry.or(() -> keyExpiry);
        }

        private static Optional<Instant> expiryOf(PGPPublicKey key) {
            long seconds = key.getValidSeconds();
            return seconds <= 0 ? Optional.empty() : Optional.of(key.getCreationTime().toInstant().plusSeconds(seconds));
        }
    }
}
