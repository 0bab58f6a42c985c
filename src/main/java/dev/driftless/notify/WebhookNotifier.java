package dev.driftless.notify;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A generic JSON webhook. The body is
 * {@code {"kind":"drift-found","host":"web-1","service":"nginx","commit":"<full id>","signer":"","summary":"...",
 * "at":"<ISO-8601>","text":"[driftless] ..."}}
 * ({@code signer}: who signed the commit when the agent verified it, {@code alice@example.org (ssh SHA256:…)};
 * {@code ""} otherwise);
 * the header {@code X-Signature: sha256=<hex>} is the HMAC-SHA256 of the exact body bytes with the shared secret,
 * and {@code X-Driftless-Event} names the kind. A receiver recomputes the HMAC over the raw body and compares in
 * constant time; the signed {@code at} lets it refuse replays.
 */
public final class WebhookNotifier extends HttpNotifier {

    static final String SIGNATURE_HEADER = "X-Signature";
    static final int MAX_TEXT = 4000;

    private final URI url;
    private final byte[] secret;

    public WebhookNotifier(String name, URI url, String secret, Duration timeout) {
        super(name, timeout);
        this.url = Objects.requireNonNull(url, "url");
        Objects.requireNonNull(secret, "secret");
        if (secret.isEmpty()) {
            throw new IllegalArgumentException("the HMAC secret is empty");
        }
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void send(Event event) throws NotifyException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("kind", event.kind().id());
        body.put("host", event.host());
        body.put("service", event.service());
        body.put("commit", event.commit());
        body.put("signer", event.signer());
        body.put("summary", event.summary());
        body.put("at", DateTimeFormatter.ISO_INSTANT.format(event.at()));
        body.put("text", Messages.text(event, MAX_TEXT));
        String json = json(body);
        post(url, "application/json", json, Map.of(
                SIGNATURE_HEADER, "sha256=" + sign(secret, json.getBytes(StandardCharsets.UTF_8)),
                "X-Driftless-Event", event.kind().id()));
    }

    /** The lower-case hex HMAC-SHA256 of {@code body} with {@code key}. */
    static String sign(byte[] key, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
