package dev.driftless.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A raw HTTP/1.1 connection to loopback that sends part of a request and then holds the connection open, as a
 * slowloris client does: either the headers never end, or the body never arrives in full.
 */
final class SlowClient implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    private SlowClient(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = socket.getInputStream();
    }

    /** A GET whose header section has begun and never ends. */
    static SlowClient slowHeaders(int port) throws IOException {
        SlowClient client = new SlowClient(port);
        client.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\nX-Slow: a");
        return client;
    }

    /**
     * A POST with complete headers that announces {@code declaredLength} bytes of body and sends none yet. It asks
     * for "100 Continue", so {@link #awaitContinue} tells when the server has begun to read the body.
     */
    static SlowClient slowBody(int port, String path, int declaredLength) throws IOException {
        return slowBody(port, path, declaredLength, "00");
    }

    /** The same, signed for the generic webhook with the hex HMAC given. */
    static SlowClient slowBody(int port, String path, int declaredLength, String hmac) throws IOException {
        SlowClient client = new SlowClient(port);
        client.send("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "X-Signature: sha256=" + hmac + "\r\nExpect: 100-continue\r\nContent-Length: " + declaredLength
                + "\r\n\r\n");
        return client;
    }

    void send(String text) throws IOException {
        send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Whether the server sent "100 Continue" within the time given (it does once it reads the body). */
    boolean awaitContinue(Duration within) throws IOException {
        String status = statusLine(within);
        if (status == null) {
            return false;
        }
        readLine(within); // the blank line that ends the interim response
        return status.startsWith("HTTP/1.1 100");
    }

    /** The status line of the server's answer, e.g. "HTTP/1.1 408 Request Timeout", or null if none came in time. */
    String statusLine(Duration within) throws IOException {
        return readLine(within);
    }

    /** The rest of what the server sends until it closes the connection or the time is up. */
    String rest(Duration within) throws IOException {
        socket.setSoTimeout((int) within.toMillis());
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = in.read(buffer)) != -1) {
                text.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException | java.net.SocketException e) {
            // what came so far is the answer
        }
        return text.toString(StandardCharsets.ISO_8859_1);
    }

    private String readLine(Duration within) throws IOException {
        socket.setSoTimeout((int) within.toMillis());
        StringBuilder line = new StringBuilder();
        try {
            int c;
            while ((c = in.read()) != -1) {
                if (c == '\n') {
                    return line.toString().strip();
                }
                line.append((char) c);
            }
            return line.length() == 0 ? null : line.toString();
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
