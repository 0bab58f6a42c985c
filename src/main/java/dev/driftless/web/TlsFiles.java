package dev.driftless.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Objects;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * A PEM certificate chain and its private key, as certbot, step-ca or {@code openssl req -x509} write them, turned
 * into what Jetty serves TLS with. The key may be PKCS#8 ({@code BEGIN PRIVATE KEY}) or the older RSA and EC forms;
 * an encrypted key is refused (the agent starts unattended).
 */
public record TlsFiles(Path certificate, Path key) {

    private static final char[] IN_MEMORY = "driftless".toCharArray(); // a key store that never leaves the heap

    public TlsFiles {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
    }

    /**
     * Jetty's server-side TLS settings with this certificate and key.
     *
     * @throws IllegalArgumentException naming the file when it cannot be read or holds no certificate or key
     */
    public SslContextFactory.Server contextFactory() {
        KeyStore store;
        try {
            Certificate[] chain = chain();
            store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("driftless", privateKey(), IN_MEMORY, chain);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot load the TLS certificate " + certificate + " and key " + key
                    + ": " + e.getMessage(), e);
        }
        SslContextFactory.Server factory = new SslContextFactory.Server();
        factory.setKeyStore(store);
        factory.setKeyStorePassword(new String(IN_MEMORY));
        factory.setKeyManagerPassword(new String(IN_MEMORY));
        return factory;
    }

    private Certificate[] chain() throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(certificate)) {
            Certificate[] chain = CertificateFactory.getInstance("X.509").generateCertificates(in)
                    .toArray(Certificate[]::new);
            if (chain.length == 0) {
                throw new IllegalArgumentException(certificate + " holds no PEM certificate (BEGIN CERTIFICATE)");
            }
            return chain;
        }
    }

    private PrivateKey privateKey() throws IOException {
        try (Reader reader = Files.newBufferedReader(key, StandardCharsets.UTF_8);
             PEMParser pem = new PEMParser(reader)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object object = pem.readObject(); object != null; object = pem.readObject()) {
                if (object instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (object instanceof PEMKeyPair pair) {
                    return converter.getPrivateKey(pair.getPrivateKeyInfo()); // an EC key may carry no public key
                }
            }
        }
        throw new IllegalArgumentException(key + " holds no unencrypted PEM private key (BEGIN PRIVATE KEY, BEGIN RSA"
                + " PRIVATE KEY or BEGIN EC PRIVATE KEY)");
    }
}
