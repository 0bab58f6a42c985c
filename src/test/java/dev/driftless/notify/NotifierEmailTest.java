package dev.driftless.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.DummySSLSocketFactory;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import dev.driftless.model.Destination.Email.Tls;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Email against a real SMTP server (GreenMail) on 127.0.0.1: plain SMTP, SMTPS, and STARTTLS being enforced. */
class NotifierEmailTest {

    static final String COMMIT = "3f2a9c1d0e4b5a6978877665544332211ffeeddc";
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    @RegisterExtension
    static final GreenMailExtension MAIL = new GreenMailExtension(new ServerSetup[] {
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort(),
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTPS).dynamicPort()})
            .withConfiguration(GreenMailConfiguration.aConfig().withUser("driftless@example.org", "driftless", "s3cret"));

    static InternetAddress address(String text) throws Exception {
        return new InternetAddress(text, true);
    }

    EmailNotifier plain(String user, String password) throws Exception {
        return new EmailNotifier("mail", "127.0.0.1", MAIL.getSmtp().getPort(), Tls.NONE, user, password,
                address("driftless@example.org"), List.of(address("ops@example.org"), address("oncall@example.org")),
                TIMEOUT);
    }

    @Test
    void sendsSubjectAndBodyOverSmtp() throws Exception {
        Event event = new Event(Event.Kind.DRIFT_FOUND, "web-1", "nginx", COMMIT,
                "~ /etc/nginx/nginx.conf\n~ /etc/nginx/mime.types", Instant.parse("2026-03-01T10:15:30Z"));

        plain("driftless", "s3cret").send(event);

        MimeMessage[] received = MAIL.getReceivedMessages();
        assertThat(received).hasSize(2); // one per recipient mailbox
        MimeMessage message = received[0];
        assertThat(message.getSubject()).isEqualTo("[driftless] drift found on web-1/nginx at 3f2a9c1d0e4b");
        assertThat(message.getFrom()).extracting(Object::toString).containsExactly("driftless@example.org");
        assertThat(message.getRecipients(Message.RecipientType.TO)).extracting(Object::toString)
                .containsExactly("ops@example.org", "oncall@example.org");
        assertThat(message.getHeader("X-Driftless-Event")).containsExactly("drift-found");
        String body = GreenMailUtil.getBody(message).replace("\r\n", "\n");
        assertThat(body).startsWith("""
                [driftless] drift found on web-1/nginx at 3f2a9c1d0e4b
                ~ /etc/nginx/nginx.conf
                ~ /etc/nginx/mime.types

                host:    web-1
                service: nginx
                commit:  3f2a9c1d0e4b5a6978877665544332211ffeeddc
                event:   drift-found
                at:      2026-03-01T10:15:30Z""");
    }

    /** The first mail received for the event {@code id} (X-Driftless-Event). */
    static MimeMessage received(String id) throws Exception {
        for (MimeMessage message : MAIL.getReceivedMessages()) {
            if (List.of(message.getHeader("X-Driftless-Event")).contains(id)) {
                return message;
            }
        }
        throw new AssertionError("no mail for " + id);
    }

    @Test
    void theMailOfAVerifiedCommitNamesItsSignerAndOfAnUntrustedOneTheKey() throws Exception {
        Instant at = Instant.parse("2026-03-01T10:15:30Z");
        plain("driftless", "s3cret").send(new Event(Event.Kind.APPLIED, "web-1", "", COMMIT, "", at)
                .withSigner("alice@example.org (ssh SHA256:x)"));
        plain("driftless", "s3cret").send(new Event(Event.Kind.UNTRUSTED_COMMIT, "", "", COMMIT, "the key expired", at)
                .withSigner("mallory@example.org (ssh SHA256:y)"));

        MimeMessage applied = received("applied");
        assertThat(applied.getSubject())
                .isEqualTo("[driftless] applied on web-1 at 3f2a9c1d0e4b, signed by alice@example.org (ssh SHA256:x)");
        assertThat(GreenMailUtil.getBody(applied).replace("\r\n", "\n")).contains("""
                commit:  3f2a9c1d0e4b5a6978877665544332211ffeeddc
                signer:  alice@example.org (ssh SHA256:x)
                event:   applied""");
        MimeMessage untrusted = received("untrusted-commit");
        assertThat(untrusted.getSubject())
                .isEqualTo("[driftless] untrusted commit at 3f2a9c1d0e4b, key of mallory@example.org (ssh SHA256:y)");
        assertThat(GreenMailUtil.getBody(untrusted).replace("\r\n", "\n"))
                .contains(": the key expired\n", "key of:  mallory@example.org (ssh SHA256:y)\n")
                .doesNotContain("signer:");
    }

    @Test
    void sendsWithoutLogin() throws Exception {
        plain(null, null).send(new Event(Event.Kind.RECOVERED, "", "", "", "", Instant.now()));

        assertThat(MAIL.getReceivedMessages()).hasSize(2);
        assertThat(MAIL.getReceivedMessages()[0].getSubject()).isEqualTo("[driftless] recovered");
    }

    @Test
    void aRefusedLoginIsAnErrorWithoutThePassword() throws Exception {
        EmailNotifier notifier = plain("driftless", "wrong-password");

        assertThatThrownBy(() -> notifier.send(new Event(Event.Kind.FAILED, "web-1", "", COMMIT, "", Instant.now())))
                .isInstanceOf(NotifyException.class)
                .hasMessageContaining("mail: the SMTP server 127.0.0.1:" + MAIL.getSmtp().getPort() + " refused the login")
                .hasMessageNotContaining("wrong-password");
        assertThat(MAIL.getReceivedMessages()).isEmpty();
    }

    @Test
    void starttlsIsRequiredByDefaultAndNothingIsSentInClearWithoutIt() throws Exception {
        // GreenMail's SMTP does not offer STARTTLS, so this shows the upgrade is enforced, not merely attempted
        EmailNotifier notifier = new EmailNotifier("mail", "127.0.0.1", MAIL.getSmtp().getPort(),
                Tls.STARTTLS, "driftless", "s3cret", address("driftless@example.org"),
                List.of(address("ops@example.org")), TIMEOUT);

        assertThatThrownBy(() -> notifier.send(new Event(Event.Kind.FAILED, "web-1", "", COMMIT, "", Instant.now())))
                .isInstanceOf(NotifyException.class)
                .hasMessageContaining("mail: SMTP 127.0.0.1:" + MAIL.getSmtp().getPort() + " (starttls)")
                .hasMessageContaining("STARTTLS")
                .hasMessageNotContaining("s3cret");
        assertThat(MAIL.getReceivedMessages()).isEmpty();
    }

    @Test
    void sendsOverSmtps() throws Exception {
        EmailNotifier notifier = new EmailNotifier("mail", "127.0.0.1", MAIL.getSmtps().getPort(),
                Tls.SMTPS, "driftless", "s3cret", address("driftless@example.org"),
                List.of(address("ops@example.org")), TIMEOUT, new DummySSLSocketFactory());

        notifier.send(new Event(Event.Kind.APPLIED, "web-1", "nginx", COMMIT, "~ /etc/nginx/nginx.conf", Instant.now()));

        assertThat(MAIL.getReceivedMessages()).hasSize(1);
        assertThat(MAIL.getReceivedMessages()[0].getSubject())
                .isEqualTo("[driftless] applied on web-1/nginx at 3f2a9c1d0e4b");
    }

    @Test
    void smtpsChecksTheCertificateByDefault() throws Exception {
        // without the test's trust-all socket factory, GreenMail's self-signed certificate is refused
        EmailNotifier notifier = new EmailNotifier("mail", "127.0.0.1", MAIL.getSmtps().getPort(),
                Tls.SMTPS, null, null, address("driftless@example.org"),
                List.of(address("ops@example.org")), TIMEOUT);

        assertThatThrownBy(() -> notifier.send(new Event(Event.Kind.APPLIED, "web-1", "", COMMIT, "", Instant.now())))
                .isInstanceOf(NotifyException.class)
                .hasMessageStartingWith("mail: SMTP 127.0.0.1:" + MAIL.getSmtps().getPort() + " (smtps): ");
        assertThat(MAIL.getReceivedMessages()).isEmpty();
    }
}
