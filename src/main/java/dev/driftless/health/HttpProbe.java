package dev.driftless.health;

import dev.driftless.host.Host;
import dev.driftless.model.HealthCheck;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One HTTP GET of a check's URL over a connection the host opens ({@link Host#connect}), so that 127.0.0.1 is
 * the host's loopback even over SSH. A small HTTP/1.1 client of its own, because the JDK's would connect to
 * the URL's address itself and not let the Host header stay the URL's: one request, {@code Connection: close},
 * no redirects followed, at most {@value #MAX_BODY} bytes of the body read (and only when the check looks into
 * it). https is verified as Java verifies it: the certificate must chain to a trusted issuer and name the URL's host.
 */
final class HttpProbe {

    static final int MAX_BODY = 64 * 1024;
    private static final int MAX_LINE = 8 * 1024;
    private static final int MAX_HEADERS = 64 * 1024;

    private final java.util.function.Supplier<SSLContext> tls;
    private SSLContext context;

    /** {@code tls} is asked once, when the first https check needs it. */
    HttpProbe(java.util.function.Supplier<SSLContext> tls) {
        this.tls = tls;
    }

    private synchronized SSLContext tls() {
        if (context == null) {
            context = tls.get();
        }
        return context;
    }

    /** What the response says of the check, or an IOException when there was none in time. */
    Sample get(Host host, HealthCheck.Http check, Duration limit) throws IOException {
        URI url = check.url();
        boolean https = "https".equals(url.getScheme());
        String name = bare(url.getHost());
        int port = url.getPort() == -1 ? (https ? 443 : 80) : url.getPort();
        long deadline = System.nanoTime() + limit.toNanos();
        try (Socket socket = secure(host.connect(name, port, limit), https, name, port, deadline)) {
            OutputStream out = socket.getOutputStream();
            out.write(request(url).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = new BufferedInputStream(new DeadlineInput(socket, deadline));
            Response response = read(in, check.contains().isPresent());
            return judge(check, response);
        }
    }

    private Socket secure(Socket plain, boolean https, String name, int port, long deadline) throws IOException {
        if (!https) {
            return plain;
        }
        try {
            SSLSocket socket = (SSLSocket) tls().getSocketFactory().createSocket(plain, name, port, true);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the URL's host
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(remainingMillis(deadline));
            socket.startHandshake();
            return socket;
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    /** The host of a URL as a socket wants it: an IPv6 literal without its brackets. */
    private static String bare(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    static String request(URI url) {
        String target = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (url.getRawQuery() != null) {
            target += "?" + url.getRawQuery();
        }
        // the Host header is the URL's own, as a browser on the host would send it: a virtual host answers
        String hostHeader = url.getHost() + (url.getPort() == -1 ? "" : ":" + url.getPort());
        return "GET " + target + " HTTP/1.1\r\n"
                + "Host: " + hostHeader + "\r\n"
                + "User-Agent: driftless-health\r\n"
                + "Accept: */*\r\n"
                + "Connection: close\r\n"
                + "\r\n";
    }

    /** A response: its status, and the start of its body when it was read ({@code cut} when there was more). */
    private record Response(int status, Optional<byte[]> body, boolean cut) {
    }

    private static Response read(InputStream in, boolean wantBody) throws IOException {
        int status;
        Headers headers;
        do {
            // 1xx answers (103 Early Hints) come before the real one
            status = statusOf(line(in));
            headers = Headers.read(in);
        } while (status >= 100 && status < 200);
        if (!wantBody || status == 204 || status == 304) {
            return new Response(status, Optional.empty(), false);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean more;
        if (headers.chunked) {
            more = chunked(in, body);
        } else if (headers.length >= 0) {
            more = copy(in, body, Math.min(headers.length, MAX_BODY + 1L)) > MAX_BODY;
        } else {
            more = copy(in, body, MAX_BODY + 1L) > MAX_BODY;
        }
        byte[] bytes = body.toByteArray();
        if (bytes.length > MAX_BODY) {
            bytes = java.util.Arrays.copyOf(bytes, MAX_BODY);
        }
        return new Response(status, Optional.of(bytes), more);
    }

    private static int statusOf(String line) throws IOException {
        String[] parts = line.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/") || !parts[1].matches("\\d{3}")) {
            throw new IOException("the answer is not HTTP: " + OneLine.of(line, 40));
        }
        return Integer.parseInt(parts[1]);
    }

    /** The headers a response's body depends on. */
    private static final class Headers {

        private boolean chunked;
        private long length = -1;

        static Headers read(InputStream in) throws IOException {
            Headers headers = new Headers();
            int total = 0;
            for (String line = line(in); !line.isEmpty(); line = line(in)) {
                total += line.length();
                if (total > MAX_HEADERS) {
                    throw new IOException("the response headers are longer than 64 KiB");
                }
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = line.substring(colon + 1).trim();
                if (key.equals("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
                    headers.chunked = true;
                } else if (key.equals("content-length") && value.matches("\\d{1,18}")) {
                    headers.length = Long.parseLong(value);
                }
            }
            return headers;
        }
    }

    /** Reads a chunked body into {@code body} up to just over the limit; whether there was more than the limit. */
    private static boolean chunked(InputStream in, ByteArrayOutputStream body) throws IOException {
        while (true) {
            String sizeLine = line(in);
            int semicolon = sizeLine.indexOf(';');
            String hex = (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim();
            if (!hex.matches("[0-9A-Fa-f]{1,15}")) {
                throw new IOException("the chunked body is malformed");
            }
            long size = Long.parseLong(hex, 16);
            if (size == 0) {
                return false;
            }
            long room = MAX_BODY + 1L - body.size();
            if (copy(in, body, Math.min(size, room)) < size) {
                return true; // enough read: the rest is never looked at
            }
            line(in); // the CRLF after the chunk
        }
    }

    /** Copies up to {@code max} bytes, fewer when the input ends first; how many were copied. */
    private static long copy(InputStream in, ByteArrayOutputStream body, long max) throws IOException {
        byte[] buffer = new byte[8192];
        long copied = 0;
        while (copied < max) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, max - copied));
            if (n < 0) {
                break;
            }
            body.write(buffer, 0, n);
            copied += n;
        }
        return copied;
    }

    /** One line ending in LF (a CR before it dropped), at most {@value #MAX_LINE} bytes. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("the connection closed before a complete HTTP response");
            }
            if (line.size() >= MAX_LINE) {
                throw new IOException("a line of the response is longer than 8 KiB");
            }
            line.write(b);
        }
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    private static Sample judge(HealthCheck.Http check, Response response) {
        int status = response.status();
        String http = "HTTP " + status;
        if (check.status().isPresent()) {
            if (status != check.status().get()) {
                return Sample.failed(http + " (expected " + check.status().get() + ")");
            }
        } else if (status >= 300 && status < 400) {
            return Sample.failed(http + " (a redirect, which health checks do not follow: check the final URL)");
        } else if (status < 200 || status >= 300) {
            return Sample.failed(http);
        }
        if (check.contains().isPresent()) {
            String wanted = check.contains().get();
            byte[] body = response.body().orElse(new byte[0]);
            if (indexOf(body, wanted.getBytes(StandardCharsets.UTF_8)) < 0) {
                String quoted = "'" + OneLine.of(wanted, 60) + "'";
                return Sample.failed(response.cut() ? "the first 64 KiB of the body do not contain " + quoted
                        : "body does not contain " + quoted);
            }
        }
        return Sample.passed(http);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long millis = (deadline - System.nanoTime()) / 1_000_000;
        if (millis <= 0) {
            throw new SocketTimeoutException("timed out");
        }
        return (int) Math.min(Integer.MAX_VALUE, millis);
    }

    /** A socket's input whose every read waits no longer than what is left of the request's time. */
    private static final class DeadlineInput extends InputStream {

        private final Socket socket;
        private final InputStream in;
        private final long deadline;

        DeadlineInput(Socket socket, long deadline) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.deadline = deadline;
        }

        @Override
        public int read() throws IOException {
            socket.setSoTimeout(remainingMillis(deadline));
            return in.read();
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            socket.setSoTimeout(remainingMillis(deadline));
            return in.read(buffer, offset, length);
        }
    }
}
