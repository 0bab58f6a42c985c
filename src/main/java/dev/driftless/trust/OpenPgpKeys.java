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
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.bcpg.ArmoredInputStream;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPMarker;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPSignatureSubpacketVector;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
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

    /**
     * Reads every file; one that holds no public key, or a private key, is an error naming it (and the line). A
     * revocation certificate ({@code gpg --gen-revoke}, or the one gpg keeps in openpgp-revocs.d) revokes the key it
     * names when that key is in one of the files, as {@code gpg --import} applies it.
     */
    public static OpenPgpKeys load(List<Path> files) {
        List<PGPPublicKeyRing> rings = new ArrayList<>();
        List<Revocation> revocations = new ArrayList<>();
        for (Path file : files) {
            read(file, rings, revocations);
        }
        for (Revocation revocation : revocations) {
            for (int i = 0; i < rings.size(); i++) {
                PGPPublicKey primary = rings.get(i).getPublicKey();
                if (primary.getKeyID() != revocation.signature().getKeyID()) {
                    continue;
                }
                if (!Signing.revokesPrimary(revocation.signature(), primary)) {
                    throw new TrustSettingsException(revocation.where() + ": the revocation certificate names key "
                            + HexFormat.of().withUpperCase().formatHex(primary.getFingerprint()) + " but that key did"
                            + " not make it; take the certificate gpg made for the key (openpgp-revocs.d/FINGERPRINT"
                            + ".rev) or export the revoked key again");
                }
                rings.set(i, PGPPublicKeyRing.insertPublicKey(rings.get(i),
                        PGPPublicKey.addCertification(primary, revocation.signature())));
            }
        }
        return new OpenPgpKeys(rings);
    }

    /** A key revocation certificate and where it was read (file:line). */
    private record Revocation(String where, PGPSignature signature) {
    }

    /** How many primary keys are trusted. */
    public int size() {
        return rings.size();
    }

    private static void read(Path file, List<PGPPublicKeyRing> rings, List<Revocation> revocations) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TrustSettingsException(file + ": cannot read the OpenPGP key file (" + e.getMessage() + ")", e);
        }
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        if (!text.contains(BEGIN)) {
            block(file, "", bytes, rings, revocations);
            return;
        }
        // an armored file may hold several blocks (keys exported one by one and concatenated)
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
                block(file, where, armored.readAllBytes(), rings, revocations);
            } catch (IOException e) {
                throw new TrustSettingsException(file + where + ": the key block is damaged (" + e.getMessage()
                        + "); export it again with gpg --export --armor FINGERPRINT", e);
            }
            i = end;
        }
    }

    /** The public keys and key revocation certificates of one block (or binary file). */
    private static void block(Path file, String where, byte[] binary, List<PGPPublicKeyRing> rings,
            List<Revocation> revocations) {
        int before = rings.size() + revocations.size();
        try {
            BcPGPObjectFactory objects = new BcPGPObjectFactory(binary);
            for (Object object = objects.nextObject(); object != null; object = objects.nextObject()) {
                if (object instanceof PGPPublicKeyRing ring) {
                    rings.add(ring);
                } else if (object instanceof PGPSignatureList list && revocationsOnly(list)) {
                    list.forEach(signature -> revocations.add(new Revocation(file + where, signature)));
                } else if (!(object instanceof PGPMarker)) {
                    throw new PGPException("found " + object.getClass().getSimpleName().replace("PGP", "")
                            + " where a public key or a key revocation certificate belongs");
                }
            }
        } catch (IOException | PGPException | RuntimeException e) {
            throw new TrustSettingsException(file + where + ": not OpenPGP public keys (" + e.getMessage()
                    + "); export them with gpg --export --armor FINGERPRINT (a private key is refused)", e);
        }
        if (rings.size() + revocations.size() == before) {
            throw new TrustSettingsException(file + where + ": holds no OpenPGP public key; export one with"
                    + " gpg --export --armor FINGERPRINT");
        }
    }

    private static boolean revocationsOnly(PGPSignatureList list) {
        for (PGPSignature signature : list) {
            if (signature.getSignatureType() != PGPSignature.KEY_REVOCATION) {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks an armored detached signature of {@code data} as GnuPG does for git verify-commit: the key must be
     * here (a subkey bound to its primary key by the primary key's binding signature, for signing, and
     * cross-certified by the subkey's back-signature), the signature good, and the key (and its primary key)
     * neither revoked nor expired at {@code now}.
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
        String keyId = String.format("%016X", sig.getKeyID());
        List<Signing> found = find(sig.getKeyID());
        if (found.isEmpty()) {
            return new Untrusted(Reason.UNKNOWN_KEY, Optional.empty(), "signed by OpenPGP key " + keyId
                    + ", which is in none of the trusted OpenPGP key files");
        }
        // as GnuPG, which drops a subkey without a valid binding when it imports the key
        Optional<Signing> bound = found.stream().filter(Signing::bound).findFirst();
        if (bound.isEmpty()) {
            return new Untrusted(Reason.UNKNOWN_KEY, Optional.empty(), "signed by OpenPGP subkey " + keyId
                    + ", which the trusted key files hold under primary key " + found.get(0).describe()
                    + " without a valid binding signature by that primary key (a subkey taken from another key"
                    + " is not trusted); export the key again with gpg --export --armor FINGERPRINT");
        }
        Signing signing = bound.get();
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
        if (!signing.maySign()) {
            return new Untrusted(Reason.KEY_NOT_ALLOWED, signer, "OpenPGP subkey " + keyId + " of "
                    + signing.describe() + " is not for signing: its binding signature's key flags do not"
                    + " include signing");
        }
        if (!signing.crossCertified()) {
            return new Untrusted(Reason.UNKNOWN_KEY, Optional.empty(), "OpenPGP signing subkey " + keyId + " of "
                    + signing.describe() + " is not cross-certified: its binding carries no valid back-signature"
                    + " made by the subkey, so it may belong to someone else (GnuPG refuses it too); add a new"
                    + " signing subkey with gpg --quick-add-key FINGERPRINT ed25519 sign");
        }
        if (signing.revoked()) {
            return new Untrusted(Reason.REVOKED_KEY, signer, "OpenPGP " + signing.which(keyId) + " "
                    + signing.describe() + " is revoked in the trusted key file");
        }
        Optional<Instant> expiry = signing.expiry();
        if (expiry.isPresent() && !now.isBefore(expiry.get())) {
            return new Untrusted(Reason.EXPIRED_KEY, signer, "OpenPGP " + signing.which(keyId) + " "
                    + signing.describe() + " expired at " + expiry.get());
        }
        return new Trusted(signing.userId(), signing.fingerprint(), SignatureKind.OPENPGP);
    }

    /** Every trusted primary key or subkey with this key ID, each with its primary key. */
    private List<Signing> find(long keyId) {
        List<Signing> found = new ArrayList<>();
        for (PGPPublicKeyRing ring : rings) {
            PGPPublicKey key = ring.getPublicKey(keyId);
            if (key != null) {
                PGPPublicKey primary = ring.getPublicKey();
                found.add(new Signing(primary, key, key == primary ? Optional.empty() : binding(primary, key)));
            }
        }
        return found;
    }

    /** The newest subkey binding signature on {@code subkey} that {@code primary} made, as GnuPG picks it. */
    private static Optional<PGPSignature> binding(PGPPublicKey primary, PGPPublicKey subkey) {
        PGPSignature newest = null;
        Iterator<PGPSignature> signatures = subkey.getSignaturesOfType(PGPSignature.SUBKEY_BINDING);
        while (signatures.hasNext()) {
            PGPSignature binding = signatures.next();
            if (certifies(binding, primary, primary, subkey)
                    && (newest == null || binding.getCreationTime().after(newest.getCreationTime()))) {
                newest = binding;
            }
        }
        return Optional.ofNullable(newest);
    }

    /** Whether {@code signature}, made by {@code by}, is good over the pair of {@code primary} and {@code subkey}. */
    private static boolean certifies(PGPSignature signature, PGPPublicKey by, PGPPublicKey primary,
            PGPPublicKey subkey) {
        try {
            signature.init(new BcPGPContentVerifierBuilderProvider(), by);
            return signature.verifyCertification(primary, subkey);
        } catch (PGPException | RuntimeException e) {
            // a signature that cannot be checked binds (or revokes) nothing, as in GnuPG
            return false;
        }
    }

    /**
     * The key that made a signature, the primary key it belongs to (the same one when no subkey signed) and, for
     * a subkey, the newest binding signature the primary key made on it.
     */
    private record Signing(PGPPublicKey primary, PGPPublicKey key, Optional<PGPSignature> binding) {

        boolean isSubkey() {
            return key != primary;
        }

        boolean bound() {
            return !isSubkey() || binding.isPresent();
        }

        String which(String keyId) {
            return isSubkey() ? "subkey " + keyId + " of key" : "key";
        }

        /** A subkey signs only when its binding's key flags say so (GnuPG's "wrong key usage" otherwise). */
        boolean maySign() {
            int flags = hashed().map(PGPSignatureSubpacketVector::getKeyFlags).orElse(0);
            return flags == 0 || (flags & KeyFlags.SIGN_DATA) != 0;
        }

        /** A signing subkey's binding must carry the subkey's own signature on the pair (0x19), as GnuPG requires. */
        boolean crossCertified() {
            if (!isSubkey()) {
                return true;
            }
            for (PGPSignatureSubpacketVector packets : Arrays.asList(binding.get().getHashedSubPackets(),
                    binding.get().getUnhashedSubPackets())) {
                try {
                    for (PGPSignature back : packets == null ? List.<PGPSignature>of() : packets.getEmbeddedSignatures()) {
                        if (back.getSignatureType() == PGPSignature.PRIMARYKEY_BINDING
                                && certifies(back, key, primary, key)) {
                            return true;
                        }
                    }
                } catch (PGPException | RuntimeException e) {
                    // an embedded signature that cannot be read certifies nothing
                }
            }
            return false;
        }

        private Optional<PGPSignatureSubpacketVector> hashed() {
            return binding.map(PGPSignature::getHashedSubPackets);
        }

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
            return isSubkey() && revokedBy(PGPSignature.SUBKEY_REVOCATION, primary, key);
        }

        /** A revocation counts only when the primary key made it, as GnuPG checks (designated revokers are not read). */
        private static boolean revokedBy(int type, PGPPublicKey primary, PGPPublicKey revoked) {
            Iterator<PGPSignature> signatures = revoked.getSignaturesOfType(type);
            while (signatures.hasNext()) {
                PGPSignature revocation = signatures.next();
                if (type == PGPSignature.SUBKEY_REVOCATION ? certifies(revocation, primary, primary, revoked)
                        : revokesPrimary(revocation, primary)) {
                    return true;
                }
            }
            return false;
        }

        static boolean revokesPrimary(PGPSignature revocation, PGPPublicKey primary) {
            try {
                revocation.init(new BcPGPContentVerifierBuilderProvider(), primary);
                return revocation.verifyCertification(primary);
            } catch (PGPException | RuntimeException e) {
                return false;
            }
        }

        /** The earliest of the primary key's and the signing subkey's expiry, if either expires. */
        Optional<Instant> expiry() {
            Optional<Instant> primaryExpiry = expiryOf(primary);
            // a subkey's expiry is in its binding signature: BouncyCastle would read it from any, checked or not
            Optional<Instant> keyExpiry = hashed().map(PGPSignatureSubpacketVector::getKeyExpirationTime)
                    .filter(seconds -> seconds > 0)
                    .map(seconds -> key.getCreationTime().toInstant().plusSeconds(seconds));
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
