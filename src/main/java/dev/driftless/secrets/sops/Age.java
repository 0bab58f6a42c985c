package dev.driftless.secrets.sops;

import com.exceptionfactory.jagged.RecipientStanzaWriter;
import com.exceptionfactory.jagged.framework.armor.ArmoredEncryptingChannelFactory;
import com.exceptionfactory.jagged.framework.stream.StandardEncryptingChannelFactory;
import com.exceptionfactory.jagged.x25519.X25519KeyPairGenerator;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaWriterFactory;
import dev.driftless.secrets.SecretException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** age (X25519 recipients only) encryption and key generation, as sops and the {@code age} tool do it. */
public final class Age {

    private Age() {
    }

    /** Encrypts for every recipient; {@code armored} gives the ASCII form sops stores data keys in. */
    public static byte[] encrypt(byte[] plaintext, List<String> recipients, boolean armored) throws SecretException {
        if (recipients.isEmpty()) {
            throw new SecretException("cannot encrypt for no age recipient: give at least one age1... recipient");
        }
        List<RecipientStanzaWriter> writers = new ArrayList<>();
        for (String recipient : new LinkedHashSet<>(recipients)) {
            writers.add(writer(recipient));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(plaintext.length + 512);
        StandardEncryptingChannelFactory factory =
                armored ? new ArmoredEncryptingChannelFactory() : new StandardEncryptingChannelFactory();
        try (WritableByteChannel channel = factory.newEncryptingChannel(Channels.newChannel(out), writers)) {
            ByteBuffer buffer = ByteBuffer.wrap(plaintext);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } catch (GeneralSecurityException | IOException e) {
            throw new SecretException("age encryption failed: " + e.getClass().getSimpleName(), e);
        }
        return out.toByteArray();
    }

    /** Fails unless {@code recipient} is an X25519 age recipient ({@code age1...}). */
    public static void validateRecipient(String recipient) throws SecretException {
        writer(recipient);
    }

    /** A new identity ({@code AGE-SECRET-KEY-1...}) and its recipient ({@code age1...}). */
    public record KeyPair(String identity, String recipient) {
        @Override
        public String toString() {
            return "KeyPair[recipient=" + recipient + "]";
        }
    }

    public static KeyPair generate() {
        try {
            java.security.KeyPair pair = new X25519KeyPairGenerator().generateKeyPair();
            return new KeyPair(new String(pair.getPrivate().getEncoded(), StandardCharsets.US_ASCII),
                    new String(pair.getPublic().getEncoded(), StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 key generation is not available in this JVM", e);
        }
    }

    private static RecipientStanzaWriter writer(String recipient) throws SecretException {
        String trimmed = recipient == null ? "" : recipient.strip();
        if (!trimmed.startsWith("age1")) {
            throw new SecretException("'" + trimmed + "' is not an age recipient: Driftless supports X25519 age"
                    + " recipients (age1...), not SSH or plugin recipients");
        }
        try {
            return X25519RecipientStanzaWriterFactory.newRecipientStanzaWriter(trimmed);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new SecretException("'" + trimmed + "' is not a valid age recipient (age1...): it does not decode"
                    + " as an X25519 public key; check it was copied whole");
        }
    }
}
