package dev.driftless.secrets.sops;

import dev.driftless.secrets.SecretException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The real sops files under src/test/resources/sops (from fluxcd, see README.md there) and test keys. */
final class Fixtures {

    /** The recipient of age.txt. */
    static final String FIXTURE_RECIPIENT = "age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29";
    /** What every age fixture decrypts to. */
    static final String FIXTURE_PLAINTEXT = "value";

    static final Age.KeyPair ALICE = Age.generate();
    static final Age.KeyPair BOB = Age.generate();

    private Fixtures() {
    }

    static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/sops/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /sops/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String name) {
        return new String(bytes(name), StandardCharsets.UTF_8);
    }

    static AgeIdentities fixtureIdentity() {
        try {
            return AgeIdentities.parse(text("age.txt"), "age.txt");
        } catch (SecretException e) {
            throw new IllegalStateException(e);
        }
    }

    static AgeIdentities identity(Age.KeyPair pair) {
        try {
            return AgeIdentities.parse(pair.identity() + "\n", "test key");
        } catch (SecretException e) {
            throw new IllegalStateException(e);
        }
    }
}
