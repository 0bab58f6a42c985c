package dev.driftless.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A self-signed certificate for 127.0.0.1 and its key, written as PEM files as {@code openssl req -x509} would. */
public record SelfSigned(Path certificate, Path key) {

    /** The forms of private key files in use: PKCS#8 (openssl 3's default) and the older RSA form. */
    public enum KeyForm { EC_PKCS8, RSA_TRADITIONAL }

    /** Writes cert.pem and an EC key.pem (PKCS#8, mode 0600) into dir. */
    public static SelfSigned in(Path dir) throws IOException, GeneralSecurityException, OperatorCreationException {
        return in(dir, KeyForm.EC_PKCS8);
    }

    /** Writes cert.pem and key.pem (mode 0600) in this form into dir. */
    public static SelfSigned in(Path dir, KeyForm form) throws IOException, GeneralSecurityException,
            OperatorCreationException {
        boolean rsa = form == KeyForm.RSA_TRADITIONAL;
        KeyPairGenerator generator = KeyPairGenerator.getInstance(rsa ? "RSA" : "EC");
        if (rsa) {
            generator.initialize(2048);
        } else {
            generator.initialize(new ECGenParameterSpec("secp256r1"));
        }
        KeyPair pair = generator.generateKeyPair();
        X500Name name = new X500Name("CN=driftless-test");
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), name,
                pair.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        var holder = builder.build(new JcaContentSignerBuilder(rsa ? "SHA256withRSA" : "SHA256withECDSA").build(pair.getPrivate()));
        Path cert = Files.writeString(dir.resolve("cert.pem"), pem(holder));
        Path key = Files.createFile(dir.resolve("key.pem"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        // BEGIN PRIVATE KEY as openssl 3 writes it, or BEGIN RSA PRIVATE KEY as older tools do
        Files.writeString(key, rsa ? pem(pair.getPrivate()) : pem(new JcaPKCS8Generator(pair.getPrivate(), null)));
        return new SelfSigned(cert, key);
    }

    private static String pem(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        }
        return text.toString();
    }
}
