package dev.driftless.health;

import static dev.driftless.health.Checks.command;
import static dev.driftless.health.Checks.http;
import static dev.driftless.health.Checks.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.health.ScriptedServer.Reply;
import dev.driftless.host.Host;
import dev.driftless.host.SshConnections;
import dev.driftless.host.SshSettings;
import dev.driftless.model.Address;
import dev.driftless.model.HealthCheck;
import dev.driftless.report.HealthState;
import dev.driftless.testing.SelfSigned;
import dev.driftless.testing.SshServer;
import dev.driftless.testing.TestClock;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Health checks of a host reached over SSH (a real OpenSSH on 127.0.0.1): what they reach at 127.0.0.1 is
 * reached through the SSH connection, as the host sees it, and commands run on the host.
 */
class SshHealthChecksTest {

    private static final UnaryOperator<String> NO_SECRETS = UnaryOperator.identity();

    @TempDir
    static Path dir;

    static SshServer sshd;
    static SshConnections connections;
    static SelfSigned certificate;
    Host host;
    TestClock clock;

    @BeforeAll
    static void startSshd() throws Exception {
        Path userKey = SshServer.keygen(dir.resolve("user_key"));
        sshd = SshServer.start(dir.resolve("sshd"), dir.resolve("user_key.pub"));
        Path knownHosts = Files.writeString(dir.resolve("known_hosts"), sshd.knownHostsLine() + "\n");
        connections = new SshConnections(new SshSettings(Optional.of(userKey), knownHosts, false,
                Duration.ofSeconds(5), Optional.empty()));
        certificate = SelfSigned.in(Files.createDirectories(dir.resolve("tls")));
    }

    @AfterAll
    static void stopSshd() throws InterruptedException {
        connections.close();
        sshd.close();
    }

    @BeforeEach
    void connect() {
        host = connections.connect("web-1", new Address.Ssh("root", "127.0.0.1", sshd.port()), Optional.empty(),
                Optional.empty(), Optional.empty());
        clock = new TestClock(Instant.parse("2026-11-20T10:00:00Z"));
    }

    @AfterEach
    void disconnect() {
        host.close();
    }

    private CheckResult afterApply(HealthCheck check) throws Exception {
        return afterApply(check, SSLContext.getDefault());
    }

    private CheckResult afterApply(HealthCheck check, SSLContext tls) {
        return new HealthChecks(clock, clock::advance, tls).afterApply(host, Map.of("app", List.of(check)), NO_SECRETS)
                .get("app").checks().get(0);
    }

    @Test
    void anHttpCheckReachesTheHostsLoopbackThroughTheSshConnection() throws Exception {
        try (ScriptedServer server = ScriptedServer.inOrder(503, 200)) {
            CheckResult result = afterApply(http(server.url("/healthz"), 2, Duration.ofSeconds(10)));

            assertThat(result.passed()).as(result.detail()).isTrue();
            assertThat(result.samples()).isEqualTo(3);
            assertThat(server.hostHeaders()).as("the URL's own Host header").containsOnly("127.0.0.1:" + server.port());
        }
    }

    @Test
    void anHttpCheckSeesTheBodyThroughTheSshConnection() throws Exception {
        String big = "x".repeat(100_000) + "ready";
        try (ScriptedServer server = ScriptedServer.start(n -> Reply.chunked("status: ok\n" + big))) {
            assertThat(afterApply(Checks.contains(server.url("/"), "status: ok")).passed()).isTrue();
            assertThat(afterApply(Checks.contains(server.url("/"), "ready")).detail())
                    .isEqualTo("the first 64 KiB of the body do not contain 'ready'");
        }
    }

    @Test
    void aTcpCheckThroughTheSshConnectionTellsAnOpenPortFromARefusedOne() throws Exception {
        try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            CheckResult open = afterApply(tcp(listening.getLocalPort(), 2, Duration.ofSeconds(5)));
            // a forwarded port (ssh -L) would accept here whatever the host then finds: the check must not pass
            CheckResult closed = afterApply(tcp(HealthChecksTest.closedPort(), 1, Duration.ofSeconds(2)));

            assertThat(open.passed()).as(open.detail()).isTrue();
            assertThat(closed.passed()).isFalse();
            assertThat(closed.detail()).isEqualTo("connection refused");
        }
    }

    @Test
    void httpsIsVerifiedAgainstTheUrlsHostThroughTheSshConnection() throws Exception {
        try (ScriptedServer server = ScriptedServer.https(serving(certificate), "127.0.0.1", n -> Reply.body("ok"));
             ScriptedServer elsewhere = ScriptedServer.https(serving(certificate), "127.0.0.2", n -> Reply.body("ok"))) {
            CheckResult trusted = afterApply(Checks.contains(server.url("/"), "ok"), trusting(certificate));
            CheckResult untrusted = afterApply(Checks.contains(server.url("/"), "ok"), SSLContext.getDefault());
            // the certificate names 127.0.0.1 and localhost, not 127.0.0.2
            CheckResult otherName = afterApply(Checks.contains(elsewhere.url("/"), "ok"), trusting(certificate));

            assertThat(trusted.passed()).as(trusted.detail()).isTrue();
            assertThat(untrusted.detail()).isEqualTo("TLS: the certificate is not trusted (no issuer of it is in"
                    + " Java's trust store)");
            assertThat(otherName.detail()).startsWith("TLS: the certificate is for another name");
        }
    }

    @Test
    void aCommandRunsOnTheHostAndSaysWhyItFailed() throws Exception {
        Path marker = dir.resolve("ready");
        CheckResult missing = afterApply(command("test -f " + marker + " || { echo 'not ready yet'; exit 1; }", 1,
                Duration.ofSeconds(2)));
        Files.writeString(marker, "");
        CheckResult present = afterApply(command("test -f " + marker, 1, Duration.ofSeconds(2)));

        assertThat(missing.detail()).isEqualTo("exit 1: not ready yet");
        assertThat(present.passed()).isTrue();
    }

    @Test
    void checksOfSeveralServicesShareOneSshConnectionAtOnce() throws Exception {
        try (ScriptedServer server = ScriptedServer.inOrder(200);
             ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Map<String, ServiceHealth> health = HealthChecks.inRealTime().afterApply(host, Map.of(
                    "api", List.of(http(server.url("/api"), 2, Duration.ofSeconds(5)),
                            tcp(listening.getLocalPort(), 2, Duration.ofSeconds(5))),
                    "worker", List.of(command("true", 2, Duration.ofSeconds(5)))), NO_SECRETS);

            assertThat(health.values()).extracting(ServiceHealth::state).containsOnly(HealthState.HEALTHY);
        }
    }

    @Test
    void closingAForwardedConnectionClosesItOnTheHost() throws Exception {
        try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            listening.setSoTimeout(5000);
            try (Socket ours = host.connect("127.0.0.1", listening.getLocalPort(), Duration.ofSeconds(5));
                 Socket theirs = listening.accept()) {
                ours.getOutputStream().write("ping\n".getBytes(StandardCharsets.UTF_8));
                theirs.setSoTimeout(5000);
                assertThat(new String(theirs.getInputStream().readNBytes(5), StandardCharsets.UTF_8)).isEqualTo("ping\n");
                theirs.getOutputStream().write("pong\n".getBytes(StandardCharsets.UTF_8));
                ours.setSoTimeout(5000);
                assertThat(new String(ours.getInputStream().readNBytes(5), StandardCharsets.UTF_8)).isEqualTo("pong\n");

                ours.close();

                assertThat(theirs.getInputStream().read()).as("the host's end of the connection ends").isEqualTo(-1);
            }
        }
    }

    /** A server-side TLS context with the self-signed certificate and its key. */
    static SSLContext serving(SelfSigned pem) throws Exception {
        Certificate cert = certificateOf(pem);
        PrivateKey key;
        try (Reader reader = Files.newBufferedReader(pem.key()); PEMParser parser = new PEMParser(reader)) {
            key = new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) parser.readObject());
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", key, "test".toCharArray(), new Certificate[] {cert});
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "test".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    /** A client-side TLS context that trusts the self-signed certificate and nothing else. */
    static SSLContext trusting(SelfSigned pem) throws Exception {
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        trusted.setCertificateEntry("server", certificateOf(pem));
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private static Certificate certificateOf(SelfSigned pem) throws IOException, java.security.GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem.certificate())) {
            return CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }
}
