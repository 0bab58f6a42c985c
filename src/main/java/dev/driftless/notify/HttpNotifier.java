package dev.driftless.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.model.Notification;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A destination reached with one HTTP POST per event, through the JDK's HTTP client. */
abstract class HttpNotifier implements Notifier {

    static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_REFUSAL = 4096;

    private final String name;
    private final Duration timeout;
    private final HttpClient client;

    HttpNotifier(String name, Duration timeout) {
        this.name = Objects.requireNonNull(name, "name");
        this.timeout = timeout == null ? Notification.DEFAULT_TIMEOUT : timeout;
        this.client = HttpClient.newBuilder()
                .connectTimeout(this.timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    @Override
    public final String name() {
        return name;
    }

    Duration timeout() {
        return timeout;
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    /**
     * POSTs {@code body} and expects a 2xx answer within the timeout. Errors name this destination and the status
     * or the timeout, never the URL (a Slack or Discord webhook URL is its own credential).
     */
    void post(URI uri, String contentType, String body, Map<String, String> headers) throws NotifyException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", contentType)
                .header("User-Agent", "driftless")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        headers.forEach(request::header);
        // the body of a refusal may say why; only its start is kept, the rest is read and dropped
        java.io.ByteArrayOutputStream refusal = new java.io.ByteArrayOutputStream();
        CompletableFuture<HttpResponse<Void>> answer = client.sendAsync(request.build(), info ->
                info.statusCode() >= 200 && info.statusCode() <= 299 ? HttpResponse.BodySubscribers.discarding()
                        : HttpResponse.BodySubscribers.ofByteArrayConsumer(chunk -> chunk.ifPresent(bytes ->
                                refusal.write(bytes, 0, Math.max(0, Math.min(bytes.length, MAX_REFUSAL - refusal.size()))))));
        HttpResponse<Void> response;
        try {
            // the request timeout covers the answer's headers; this bound also covers a body that never ends
            response = answer.get(timeout.toMillis() * 2 + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw timedOut();
        } catch (InterruptedException e) {
            answer.cancel(true);
            Thread.currentThread().interrupt();
            throw new NotifyException(name + ": interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof HttpTimeoutException) {
                throw timedOut();
            }
            throw new NotifyException(name + ": " + describe(cause, uri));
        }
        int status = response.statusCode();
        if (status < 200 || status > 299) {
            // a refusal (404: the webhook was deleted, 401: a bad token, 3xx: moved) stays one; 408, 425, 429, 5xx may pass
            boolean retryable = status >= 500 || status == 408 || status == 425 || status == 429;
            String why = explain(refusal.toString(StandardCharsets.UTF_8));
            throw new NotifyException(name + ": HTTP " + status + (why.isEmpty() ? "" : ": " + why), retryable, null);
        }
    }

    /**
     * What a refusal's body (its first {@value #MAX_REFUSAL} bytes) says, for the error message; {@code ""} by
     * default, as the body of most destinations may echo their credential. A destination whose answers explain
     * themselves says it, with every credential removed.
     */
    String explain(String body) {
        return "";
    }

    private NotifyException timedOut() {
        return new NotifyException(name + ": no answer within " + Durations.format(timeout));
    }

    /** The failure's type and message, with anything of the URL beyond its host removed. */
    static String describe(Throwable cause, URI uri) {
        if (cause == null) {
            return "request failed";
        }
        String message = cause.getMessage() == null ? "" : cause.getMessage();
        String full = uri.toString();
        if (!full.isEmpty()) {
            message = message.replace(full, "<url>");
        }
        String path = uri.getRawPath();
        if (path != null && path.length() > 1) {
            message = message.replace(path, "/…");
        }
        String query = uri.getRawQuery();
        if (query != null && !query.isEmpty()) {
            message = message.replace(query, "…");
        }
        String type = cause.getClass().getSimpleName();
        return message.isBlank() ? type : type + ": " + message;
    }
}
