package dev.driftless.host;

import java.time.Duration;
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
 * Streamlined NTRU Prime key pair made ahead of time and shared by the connections a command opens at once.
 * BouncyCastle makes such a pair in about 0.25 s of Java (OpenSSH's C takes a millisecond): three hosts made three,
 * the larger part of the CPU time a command that finds nothing to do spends. So one pair is made on a background
 * thread as soon as a command knows it will connect ({@link #prepare()}), while it reads the repository, and the
 * key exchanges of the next minute take it. A KEM key pair may serve many encapsulations (sntrup761 is IND-CCA2;
 * each host encapsulates a secret of its own to it); the pair lives only in memory and is dropped once a minute
 * old, so what an exchange keeps of forward secrecy is bounded by that minute, and each exchange still has its
 * own X25519 pair, whose secret is hashed with the KEM's. The protocol is MINA's, unchanged (the same curve, KEM
 * and hash); only when, and for how many exchanges, the pair is made differs.
 */
final class PostQuantumKex {

    /** The names OpenSSH uses for this exchange (the second before it was standardised). */
    static final List<String> NAMES = List.of("sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com");

    /** How long a pair serves key exchanges once made: the connections of one command, never an agent's day. */
    static final Duration SHARED_FOR = Duration.ofMinutes(1);

    /** A pair and when it was made. */
    private record Made(AsymmetricCipherKeyPair pair, long nanos) {
        boolean fresh() {
            return clock.getAsLong() - nanos < SHARED_FOR.toNanos();
        }
    }

    /** The pair key exchanges take, while it is (being) made; empty when none is. */
    private static final AtomicReference<CompletableFuture<Made>> CURRENT = new AtomicReference<>();

    /** Nanoseconds, as System.nanoTime (a test moves it on). */
    static volatile java.util.function.LongSupplier clock = System::nanoTime;

    private PostQuantumKex() {
    }

    /** Starts making a key pair for the next connections, unless a fresh one is made or on the way. */
    static void prepare() {
        CompletableFuture<Made> current = CURRENT.get();
        if (current != null && (!current.isDone() || usable(current))) {
            return;
        }
        CompletableFuture<Made> pending = new CompletableFuture<>();
        if (CURRENT.compareAndSet(current, pending)) {
            Thread maker = new Thread(() -> make(pending), "sntrup761-keygen");
            maker.setDaemon(true);
            maker.start();
        }
    }

    private static boolean usable(CompletableFuture<Made> made) {
        return !made.isCompletedExceptionally() && made.join().fresh();
    }

    private static void make(CompletableFuture<Made> pending) {
        try {
            pending.complete(new Made(generate(), clock.getAsLong()));
        } catch (RuntimeException | Error e) {
            pending.completeExceptionally(e);
        }
    }

    /** Whether a fresh pair is made or on the way. */
    static boolean prepared() {
        CompletableFuture<Made> current = CURRENT.get();
        return current != null && (!current.isDone() || usable(current));
    }

    /**
     * The pair for one key exchange: the current one when it is fresh (waiting for it if it is being made), else a
     * new one, made here and shared from now on.
     */
    static AsymmetricCipherKeyPair take() {
        while (true) {
            CompletableFuture<Made> current = CURRENT.get();
            if (current != null) {
                try {
                    Made made = current.get();
                    if (made.fresh()) {
                        return made.pair();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return generate();
                } catch (ExecutionException e) {
                    // made anew below, where a failure is the key exchange's to report
                }
            }
            CompletableFuture<Made> pending = new CompletableFuture<>();
            if (CURRENT.compareAndSet(current, pending)) {
                make(pending);
                return pending.join().pair();
            }
        }
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
