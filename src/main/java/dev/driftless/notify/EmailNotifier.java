package dev.driftless.notify;

import dev.driftless.model.Destination.Email.Tls;
import dev.driftless.model.Notification;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import javax.net.ssl.SSLSocketFactory;

/**
 * Email over SMTP (Jakarta Mail). The subject is the one-line title
 * ({@code [driftless] failed on web-1/nginx at 3f2a9c1d0e4b}); the body is the title, the summary and the event's
 * fields. By default the connection must be upgraded with STARTTLS (the mail is never sent in clear if the server
 * does not offer it); {@code SMTPS} is TLS from the first byte (port 465); {@code NONE} is plain SMTP, for a relay
 * on the same machine.
 */
public final class EmailNotifier implements Notifier {

    static final int MAX_BODY = 20_000;

    private final String name;
    private final String host;
    private final int port;
    private final Tls tls;
    private final String username;
    private final String password;
    private final InternetAddress from;
    private final List<InternetAddress> to;
    private final Duration timeout;
    private final SSLSocketFactory testSocketFactory;

    /**
     * @param username the SMTP user, or {@code null} to send without logging in
     * @param password the SMTP password, or {@code null}
     */
    public EmailNotifier(String name, String host, int port, Tls tls, String username, String password,
                         InternetAddress from, List<InternetAddress> to, Duration timeout) {
        this(name, host, port, tls, username, password, from, to, timeout, null);
    }

    /** For tests: TLS through {@code socketFactory} (which decides what it trusts), without the host name check. */
    EmailNotifier(String name, String host, int port, Tls tls, String username, String password,
                  InternetAddress from, List<InternetAddress> to, Duration timeout, SSLSocketFactory socketFactory) {
        this.name = Objects.requireNonNull(name, "name");
        this.host = Objects.requireNonNull(host, "host");
        this.port = port;
        this.tls = Objects.requireNonNull(tls, "tls");
        this.username = username;
        this.password = password;
        this.from = Objects.requireNonNull(from, "from");
        this.to = List.copyOf(to);
        if (this.to.isEmpty()) {
            throw new IllegalArgumentException("no recipient");
        }
        this.timeout = timeout == null ? Notification.DEFAULT_TIMEOUT : timeout;
        this.testSocketFactory = socketFactory;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void send(Event event) throws NotifyException {
        String protocol = tls == Tls.SMTPS ? "smtps" : "smtp";
        Properties properties = new Properties();
        String prefix = "mail." + protocol + ".";
        properties.put("mail.transport.protocol", protocol);
        properties.put(prefix + "host", host);
        properties.put(prefix + "port", Integer.toString(port));
        String millis = Long.toString(timeout.toMillis());
        properties.put(prefix + "connectiontimeout", millis);
        properties.put(prefix + "timeout", millis);
        properties.put(prefix + "writetimeout", millis);
        properties.put(prefix + "auth", Boolean.toString(username != null));
        if (tls == Tls.STARTTLS) {
            properties.put(prefix + "starttls.enable", "true");
            properties.put(prefix + "starttls.required", "true");
        }
        if (tls != Tls.NONE) {
            properties.put(prefix + "ssl.checkserveridentity", "true");
            properties.put(prefix + "ssl.protocols", "TLSv1.3 TLSv1.2");
            if (testSocketFactory != null) {
                properties.put(prefix + "ssl.socketFactory", testSocketFactory);
                properties.put(prefix + "ssl.checkserveridentity", "false");
            }
        }
        Session session = Session.getInstance(properties);
        try {
            MimeMessage message = new MimeMessage(session);
            message.setFrom(from);
            message.setRecipients(Message.RecipientType.TO, to.toArray(new InternetAddress[0]));
            message.setSubject(Messages.title(event), "UTF-8");
            message.setText(body(event), "UTF-8");
            message.setSentDate(Date.from(event.at()));
            message.setHeader("X-Driftless-Event", event.kind().id());
            try (Transport transport = session.getTransport(protocol)) {
                transport.connect(host, port, username, password);
                transport.sendMessage(message, message.getAllRecipients());
            }
        } catch (AuthenticationFailedException e) {
            throw new NotifyException(name + ": the SMTP server " + host + ":" + port + " refused the login", false, e);
        } catch (SendFailedException e) {
            throw new NotifyException(name + ": the SMTP server " + host + ":" + port + " refused the mail: "
                    + firstLine(e.getMessage()), false, e);
        } catch (MessagingException e) {
            throw new NotifyException(name + ": SMTP " + host + ":" + port + " (" + tls.id() + "): "
                    + describe(e), e);
        }
    }

    static String body(Event event) {
        StringBuilder out = new StringBuilder(Messages.text(event, MAX_BODY)).append("\n\n");
        if (!event.host().isEmpty()) {
            out.append("host:    ").append(event.host()).append('\n');
        }
        if (!event.service().isEmpty()) {
            out.append("service: ").append(event.service()).append('\n');
        }
        if (!event.commit().isEmpty()) {
            out.append("commit:  ").append(event.commit()).append('\n');
        }
        if (!event.signer().isEmpty()) {
            out.append(event.kind() == Event.Kind.UNTRUSTED_COMMIT ? "key of:  " : "signer:  ")
                    .append(Messages.oneLine(event.signer())).append('\n');
        }
        out.append("event:   ").append(event.kind().id()).append('\n');
        out.append("at:      ").append(DateTimeFormatter.ISO_INSTANT.format(event.at())).append('\n');
        return out.toString();
    }

    private static String describe(MessagingException e) {
        Throwable deepest = e;
        while (deepest.getCause() != null && deepest.getCause() != deepest) {
            deepest = deepest.getCause();
        }
        String message = firstLine(e.getMessage());
        if (deepest != e && deepest.getMessage() != null) {
            message = message + ": " + deepest.getClass().getSimpleName() + ": " + firstLine(deepest.getMessage());
        }
        return message;
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int newline = text.indexOf('\n');
        return (newline < 0 ? text : text.substring(0, newline)).strip();
    }
}
