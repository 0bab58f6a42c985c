package dev.driftless.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import picocli.CommandLine.Option;

/**
 * How {@code driftless status|suspend|resume} reach a running agent: its address, the API token they send as
 * {@code Authorization: Bearer}, and the CA an {@code https://} agent's certificate is checked against.
 */
final class AgentClientOptions {

    static final String DEFAULT_TOKEN_FILE = "/var/lib/driftless/agent/api-token";

    @Option(names = "--agent", paramLabel = "URL", defaultValue = StatusCommand.DEFAULT_AGENT,
            description = "The agent's HTTP address (its --listen; https:// when it serves TLS)."
                    + " Default: ${DEFAULT-VALUE}.")
    String agent;

    @Option(names = "--token-file", paramLabel = "FILE",
            defaultValue = "${env:DRIFTLESS_TOKEN_FILE:-" + DEFAULT_TOKEN_FILE + "}",
            description = "A file holding the API token to send: the agent's --api-token-file, or one token of its"
                    + " --tokens-file (status needs a read token, suspend and resume a control token)."
                    + " Default: $DRIFTLESS_TOKEN_FILE, else " + DEFAULT_TOKEN_FILE + ".")
    Path tokenFile;

    @Option(names = "--ca-file", paramLabel = "FILE",
            description = "PEM certificates to trust for an https:// agent (its own self-signed certificate, or the"
                    + " CA that signed it). Default: the system's trusted CAs.")
    Path caFile;

    /** Sends a request with the token; empty (after printing why on err) when it could not be sent or answered. */
    Optional<HttpResponse<String>> send(String method, String path, String jsonBody, PrintWriter err) {
        if (StatusCommand.AgentHttp.uri(agent, path, err).isEmpty()) {
            return Optional.empty();
        }
        Optional<String> token = token(err);
        if (token.isEmpty()) {
            return Optional.empty();
        }
        Optional<SSLContext> tls;
        try {
            tls = trust();
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            return fail(err, "cannot use --ca-file " + caFile + ": " + e.getMessage());
        }
        return StatusCommand.AgentHttp.send(agent, method, path, token, jsonBody, tls, err);
    }

    /**
     * POSTs {@code body} as JSON and returns the answer when its status is {@code expected}; otherwise prints why on err (the
     * agent unreachable, the token refused, or the agent's own error saying it did not {@code doing}) and returns
     * empty.
     */
    Optional<HttpResponse<String>> post(String path, Map<String, Object> body, int expected, String doing,
            PrintWriter err) {
        String json;
        try {
            json = StatusCommand.AgentHttp.MAPPER.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Optional<HttpResponse<String>> answer = send("POST", path, json, err);
        if (answer.isEmpty()) {
            return answer;
        }
        Optional<String> refused = refusal(answer.get());
        if (refused.isPresent()) {
            return fail(err, refused.get());
        }
        int code = answer.get().statusCode();
        if (code != expected) {
            return fail(err, "the agent at " + StatusCommand.AgentHttp.base(agent) + " did not " + doing + " (" + code
                    + "): " + StatusCommand.AgentHttp.errorMessage(answer.get().body()));
        }
        return answer;
    }

    /** The line saying why the agent refused the token (401 or 403), or empty for any other answer. */
    Optional<String> refusal(HttpResponse<String> answer) {
        String base = StatusCommand.AgentHttp.base(agent);
        return switch (answer.statusCode()) {
            case 401 -> Optional.of("the agent at " + base + " refused the token in " + tokenFile
                    + " (401 Unauthorized); use the token file of that agent");
            case 403 -> Optional.of("the agent at " + base + " does not let the token in " + tokenFile + " do this"
                    + " (403 Forbidden): " + StatusCommand.AgentHttp.errorMessage(answer.body()));
            default -> Optional.empty();
        };
    }

    private Optional<String> token(PrintWriter err) {
        String token;
        try {
            token = Files.readString(tokenFile).strip();
        } catch (NoSuchFileException e) {
            return fail(err, "cannot read the API token: " + tokenFile + " does not exist (--token-file FILE or"
                    + " DRIFTLESS_TOKEN_FILE)");
        } catch (AccessDeniedException e) {
            return fail(err, "cannot read the API token: permission denied on " + tokenFile
                    + " (run as the agent's user or root, or copy the token; --token-file FILE)");
        } catch (IOException e) {
            return fail(err, "cannot read the API token from " + tokenFile + ": " + e.getMessage());
        }
        if (token.isEmpty()) {
            return fail(err, "the API token file " + tokenFile + " is empty");
        }
        return Optional.of(token);
    }

    private Optional<SSLContext> trust() throws IOException, GeneralSecurityException {
        if (caFile == null) {
            return Optional.empty();
        }
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        try (InputStream in = Files.newInputStream(caFile)) {
            int i = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trusted.setCertificateEntry("ca-" + i++, certificate);
            }
            if (i == 0) {
                throw new IllegalArgumentException("it holds no PEM certificate (BEGIN CERTIFICATE)");
            }
        }
        TrustManagerFactory managers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        managers.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, managers.getTrustManagers(), null);
        return Optional.of(context);
    }

    private static <T> Optional<T> fail(PrintWriter err, String message) {
        err.println("Error: " + message);
        err.flush();
        return Optional.empty();
    }
}
