package dev.driftless.secrets.sops;

import com.exceptionfactory.jagged.RecipientStanzaReader;
import com.exceptionfactory.jagged.UnsupportedRecipientStanzaException;
import com.exceptionfactory.jagged.framework.armor.ArmoredDecryptingChannelFactory;
import com.exceptionfactory.jagged.framework.stream.StandardDecryptingChannelFactory;
import com.exceptionfactory.jagged.x25519.X25519KeyFactory;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaReaderFactory;
import dev.driftless.secrets.SecretException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.crypto.spec.SecretKeySpec;

/**
 * The age private keys (X25519 identities) we hold, and decryption of age files with them, plus any PGP keys that
 * may open sops files. Immutable; the identities never appear in {@link #toString()} or in an error message, only
 * their public recipients do.
 */
public final class AgeIdentities {

    private static final String IDENTITY_PREFIX = "AGE-SECRET-KEY-1";
    private static final String ARMOR_BEGIN = "-----BEGIN AGE ENCRYPTED FILE-----";

    /** One identity with its recipient and where it was read from, for messages. */
    private record Identity(String secret, String recipient, String origin) {
        @Override
        public String toString() {
            return recipient;
        }
    }

    private static final AgeIdentities NONE = new AgeIdentities(List.of(), PgpKeys.none());

    private final List<Identity> identities;
    private final PgpKeys pgp;

    private AgeIdentities(List<Identity> identities, PgpKeys pgp) {
        this.identities = List.copyOf(identities);
        this.pgp = pgp;
    }

    /**
     * Reads an identity file as age and sops do: one {@code AGE-SECRET-KEY-1...} per line, {@code #} comments and
     * blank lines ignored. {@code origin} says where the text came from, for error messages.
     */
    public static AgeIdentities parse(String text, String origin) throws SecretException {
        List<Identity> found = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.toUpperCase(Locale.ROOT).startsWith("AGE-PLUGIN-")) {
                throw new SecretException(origin + " line " + (i + 1) + " is an age plugin identity; Driftless"
                        + " supports only X25519 identities (AGE-SECRET-KEY-1...)");
            }
            if (!line.toUpperCase(Locale.ROOT).startsWith(IDENTITY_PREFIX)) {
                // The line is not printed: it could be a secret of some other kind.
                throw new SecretException(origin + " line " + (i + 1) + " is not an age identity: expected"
                        + " AGE-SECRET-KEY-1..., a '#' comment or a blank line");
            }
            String secret = line.toUpperCase(Locale.ROOT);
            found.add(new Identity(secret, recipientOf(secret, origin, i + 1), origin));
        }
        return new AgeIdentities(dedupe(found), PgpKeys.none());
    }

    public static AgeIdentities none() {
        return NONE;
    }

    /** Whether there is no age identity; PGP keys do not count, see {@link #pgp()}. */
    public boolean isEmpty() {
        return identities.isEmpty();
    }

    /** These identities with the PGP keys added, for sops files whose data key is wrapped for PGP. */
    public AgeIdentities withPgp(PgpKeys keys) {
        return new AgeIdentities(identities, pgp.plus(keys));
    }

    public PgpKeys pgp() {
        return pgp;
    }

    /** The public recipient ({@code age1...}) of each identity, in order. */
    public List<String> recipients() {
        return identities.stream().map(Identity::recipient).toList();
    }

    /** These identities followed by the other's, each recipient once. */
    public AgeIdentities plus(AgeIdentities other) {
        List<Identity> all = new ArrayList<>(identities);
        all.addAll(other.identities);
        return new AgeIdentities(dedupe(all), pgp.plus(other.pgp));
    }

    /** Decrypts an age file, armored or binary, with whichever identity it was encrypted for. */
    public byte[] decrypt(byte[] ageFile, String displayName) throws SecretException {
        Optional<byte[]> plain = open(ageFile, displayName);
        if (plain.isEmpty()) {
            throw new SecretException(displayName + ": none of your age keys can decrypt it (your keys are for "
                    + describe() + "); it was encrypted for other recipients");
        }
        return plain.get();
    }

    /**
     * The plaintext, or empty when no identity matches a recipient stanza of the file; fails when the file is not
     * an age file or is damaged.
     */
    Optional<byte[]> open(byte[] ageFile, String displayName) throws SecretException {
        if (identities.isEmpty()) {
            return Optional.empty();
        }
        StandardDecryptingChannelFactory factory;
        if (isArmored(ageFile)) {
            factory = new ArmoredDecryptingChannelFactory();
            ageFile = stripLeadingWhitespace(ageFile);
        } else if (startsWith(ageFile, "age-encryption.org/")) {
            factory = new StandardDecryptingChannelFactory();
        } else {
            throw new SecretException(displayName + " is not an age file (it starts neither with '" + ARMOR_BEGIN
                    + "' nor with 'age-encryption.org/v1')");
        }
        List<RecipientStanzaReader> readers = new ArrayList<>();
        for (Identity identity : identities) {
            try {
                readers.add(X25519RecipientStanzaReaderFactory.newRecipientStanzaReader(identity.secret()));
            } catch (GeneralSecurityException | RuntimeException e) {
                throw new SecretException("the age identity for " + identity.recipient() + " (from "
                        + identity.origin() + ") cannot be used");
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ReadableByteChannel channel = factory.newDecryptingChannel(
                Channels.newChannel(new ByteArrayInputStream(ageFile)), readers)) {
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            while (channel.read(buffer) >= 0) {
                buffer.flip();
                out.write(buffer.array(), 0, buffer.limit());
                buffer.clear();
            }
        } catch (UnsupportedRecipientStanzaException e) {
            return Optional.empty();
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            if (hasCause(e, UnsupportedRecipientStanzaException.class)) {
                return Optional.empty();
            }
            throw new SecretException(displayName + ": the age file is damaged or not valid ("
                    + e.getClass().getSimpleName() + "); restore it from version control", e);
        }
        return Optional.of(out.toByteArray());
    }

    /** Recipients and PGP fingerprints with the place each came from, for "keys tried" messages. */
    String describe() {
        if (identities.isEmpty()) {
            return pgp.describe();
        }
        Map<String, List<String>> byOrigin = new LinkedHashMap<>();
        for (Identity identity : identities) {
            byOrigin.computeIfAbsent(identity.origin(), o -> new ArrayList<>()).add(identity.recipient());
        }
        List<String> parts = new ArrayList<>();
        byOrigin.forEach((origin, recipients) -> parts.add(String.join(", ", recipients) + " from " + origin));
        if (!pgp.isEmpty()) {
            parts.add(pgp.describe());
        }
        return String.join("; ", parts);
    }

    @Override
    public String toString() {
        return "AgeIdentities" + recipients();
    }

    private static String recipientOf(String secret, String origin, int line) throws SecretException {
        try {
            X25519RecipientStanzaReaderFactory.newRecipientStanzaReader(secret);
            SecretKeySpec spec = new SecretKeySpec(secret.getBytes(StandardCharsets.US_ASCII), "X25519");
            return new X25519KeyFactory().translateKey(spec).toString();
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new SecretException(origin + " line " + line + " is not a valid age identity: it does not decode"
                    + " as an X25519 private key; check it was copied whole");
        }
    }

    private static List<Identity> dedupe(List<Identity> all) {
        Map<String, Identity> byRecipient = new LinkedHashMap<>();
        for (Identity identity : all) {
            byRecipient.putIfAbsent(identity.recipient(), identity);
        }
        return new ArrayList<>(byRecipient.values());
    }

    private static byte[] stripLeadingWhitespace(byte[] content) {
        int i = 0;
        while (i < content.length && Character.isWhitespace(content[i])) {
            i++;
        }
        return i == 0 ? content : java.util.Arrays.copyOfRange(content, i, content.length);
    }

    static boolean isArmored(byte[] content) {
        int i = 0;
        while (i < content.length && Character.isWhitespace(content[i])) {
            i++;
        }
        return startsWith(content, i, ARMOR_BEGIN);
    }

    private static boolean startsWith(byte[] content, String prefix) {
        return startsWith(content, 0, prefix);
    }

    private static boolean startsWith(byte[] content, int offset, String prefix) {
        byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
        if (content.length - offset < p.length) {
            return false;
        }
        for (int i = 0; i < p.length; i++) {
            if (content[offset + i] != p[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
