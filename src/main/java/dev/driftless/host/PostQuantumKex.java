package dev.driftless.host;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.ClientBuilder;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.common.digest.BuiltinDigests;
import org.apache.sshd.common.digest.Digest;
import org.apache.sshd.common.kex.AbstractDH;
import org.apache.sshd.common.kex.BuiltinKEM;
import org.apache.sshd.common.kex.DHFactory;
import org.apache.sshd.common.kex.KeyEncapsulationMethod;
import org.apache.sshd.common.kex.KeyExchangeFactory;
import org.apache.sshd.common.kex.MontgomeryCurve;
import org.apache.sshd.common.kex.XDH;
import org.apache.sshd.common.random.JceRandom;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeKEMExtractor;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeKeyGenerationParameters;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeKeyPairGenerator;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeParameters;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimePrivateKeyParameters;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimePublicKeyParameters;

/**
 * The post-quantum key exchange OpenSSH prefers since 9.0 ({@code sntrup761x25519-sha512}), with the client's
 * Streamlined NTRU Prime key pair made ahead of time. BouncyCastle makes such a pair in about 0.25 s of Java
 * (OpenSSH's C takes a millisecond), a third of what a command that finds nothing to do spends on its SSH
 * connection. So the pair for the next connection is made on a background thread as soon as a command knows
 * it will connect ({@link #prepare()}), while it reads the repository, and the connection takes it when its
 * key exchange starts. Each pair serves one key exchange and is then dropped, as MINA's own does: the
 * exchange keeps its forward secrecy. The protocol is MINA's, unchanged (the same curve, KEM and hash); only
 * when the pair is computed differs.
 */
final class PostQuantumKex {

    /** The names OpenSSH uses for this exchange (the second before it was standardised). */
    static final List<String> NAMES = List.of("sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com");

    /** The pair the next key exchange takes, while it is (being) made; empty when none is on the way. */
    private static final AtomicReference<CompletableFuture<AsymmetricCipherKeyPair>> NEXT = new AtomicReference<>();

    private PostQuantumKex() {
    }

    /** Starts making a key pair for the next connection, unless one is already made or on the way. */
    static void prepare() {
        CompletableFuture<AsymmetricCipherKeyPair> pending = new CompletableFuture<>();
        if (NEXT.compareAndSet(null, pending)) {
            Thread maker = new Thread(() -> {
                try {
                    pending.complete(generate());
                } catch (RuntimeException | Error e) {
                    pending.completeExceptionally(e);
                }
            }, "sntrup761-keygen");
            maker.setDaemon(true);
            maker.start();
        }
    }

    /** Whether a pair is made or on the way for the next key exchange. */
    static boolean prepared() {
        return NEXT.get() != null;
    }

    /** A pair for one key exchange: the prepared one when there is one (waiting for it if need be), else a new one. */
    static AsymmetricCipherKeyPair take() {
        CompletableFuture<AsymmetricCipherKeyPair> prepared = NEXT.getAndSet(null);
        if (prepared != null) {
            try {
                return prepared.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                // made here instead, where a failure is the key exchange's to report
            }
        }
        return generate();
    }

    private static AsymmetricCipherKeyPair generate() {
        SNTRUPrimeKeyPairGenerator generator = new SNTRUPrimeKeyPairGenerator();
        generator.init(new SNTRUPrimeKeyGenerationParameters(JceRandom.getGlobalInstance(),
                SNTRUPrimeParameters.sntrup761));
        return generator.generateKeyPair();
    }

    /** Puts this exchange in place of MINA's own of the same names, keeping the client's order of preference. */
    static void install(SshClient client) {
        List<KeyExchangeFactory> factories = new ArrayList<>(client.getKeyExchangeFactories());
        factories.replaceAll(f -> NAMES.contains(f.getName()) ? ClientBuilder.DH2KEX.apply(factory(f.getName())) : f);
        client.setKeyExchangeFactories(factories);
    }

    private static DHFactory factory(String name) {
        return new DHFactory() {
            @Override
            public String getName() {
                return name;
            }

            @Override
            public boolean isSupported() {
                return BuiltinKEM.sntrup761.isSupported() && MontgomeryCurve.x25519.isSupported();
            }

            @Override
            public boolean isGroupExchange() {
                return false;
            }

            @Override
            public AbstractDH create(Object... params) throws Exception {
                return new XDH(MontgomeryCurve.x25519, true) {
                    @Override
                    public KeyEncapsulationMethod getKeyEncapsulation() {
                        return KEM;
                    }

                    @Override
                    public Digest getHash() throws Exception {
                        return BuiltinDigests.sha512.create();
                    }
                };
            }
        };
    }

    /** sntrup761 with the client's pair from {@link #take()}; the server side is MINA's own. */
    private static final KeyEncapsulationMethod KEM = new KeyEncapsulationMethod() {
        @Override
        public Client getClient() {
            return new Client() {
                private SNTRUPrimeKEMExtractor extractor;
                private SNTRUPrimePublicKeyParameters publicKey;

                @Override
                public void init() {
                    AsymmetricCipherKeyPair pair = take();
                    extractor = new SNTRUPrimeKEMExtractor((SNTRUPrimePrivateKeyParameters) pair.getPrivate());
                    publicKey = (SNTRUPrimePublicKeyParameters) pair.getPublic();
                }

                @Override
                public byte[] getPublicKey() {
                    return publicKey.getEncoded();
                }

                @Override
                public byte[] extractSecret(byte[] encapsulated) {
                    if (encapsulated.length != extractor.getEncapsulationLength()) {
                        throw new IllegalArgumentException("KEM encapsulation has wrong length: " + encapsulated.length);
                    }
                    return extractor.extractSecret(encapsulated);
                }

                @Override
                public int getEncapsulationLength() {
                    return extractor.getEncapsulationLength();
                }
            };
        }

        @Override
        public Server getServer() {
            return BuiltinKEM.sntrup761.getServer();
        }
    };
}
