package dev.driftless.host;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.util.net.SshdSocketAddress;

/**
 * A TCP connection an SSH host opens on our behalf (a direct-tcpip channel, as {@code ssh -W}), handed over as
 * a local socket. Unlike a forwarded port ({@code ssh -L}), whose local side accepts before the host has even
 * tried, the channel is open before this returns, so a refused connection is seen as refused. The socket is one
 * end of a loopback pair; two threads copy between the other end and the channel. Only the socket we connected
 * is accepted: another local process that reaches the listening port first is turned away.
 */
final class SshForward {

    private static final SshdSocketAddress ORIGIN = new SshdSocketAddress("127.0.0.1", 0);

    private SshForward() {
    }

    static Socket open(ClientSession session, String hostName, String target, int port, Duration timeout)
            throws IOException {
        ChannelDirectTcpip channel;
        try {
            channel = session.createDirectTcpipChannel(ORIGIN, new SshdSocketAddress(target, port));
        } catch (IllegalStateException e) {
            throw broken(hostName, e);
        }
        try {
            channel.open().verify(timeout);
        } catch (IOException | RuntimeException e) {
            channel.close(true);
            Optional<IOException> refused = refusal(e, hostName);
            if (refused.isPresent()) {
                throw refused.get();
            }
            throw e instanceof IOException io ? io : broken(hostName, e);
        }
        ForwardedSocket ours = new ForwardedSocket(channel);
        Socket near;
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int millis = (int) Math.max(1, timeout.toMillis());
            listener.setSoTimeout(millis);
            ours.connect(listener.getLocalSocketAddress(), millis);
            near = accept(listener, ours, System.nanoTime() + timeout.toNanos());
        } catch (IOException e) {
            ours.close();
            throw e;
        }
        Closing closing = new Closing(near, channel);
        OutputStream toHost = channel.getInvertedIn();
        pump("up", hostName, near.getInputStream(), toHost, toHost::close, closing);
        pump("down", hostName, channel.getInvertedOut(), near.getOutputStream(), near::shutdownOutput, closing);
        return ours;
    }

    /** MINA says "session is being closed" with a RuntimeException when the host went away. */
    private static IOException broken(String hostName, Exception e) {
        return new IOException("the SSH connection to " + hostName + " failed: " + e.getMessage(), e);
    }

    /** What the host said when it did not open the connection, when it said anything. */
    private static Optional<IOException> refusal(Exception thrown, String hostName) {
        for (Throwable e = thrown; e != null; e = e.getCause()) {
            if (e instanceof SshChannelOpenException open) {
                if (open.getReasonCode() == SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED) {
                    return Optional.of(new IOException("the SSH server of " + hostName + " does not forward"
                            + " connections (AllowTcpForwarding in its sshd_config)", e));
                }
                // as sshd says it: "Connection refused", "No route to host"
                ConnectException connect = new ConnectException(open.getMessage());
                connect.initCause(e);
                return Optional.of(connect);
            }
        }
        return Optional.empty();
    }

    /** The other end of {@code ours}, and nobody else's connection. */
    private static Socket accept(ServerSocket listener, Socket ours, long deadline) throws IOException {
        while (System.nanoTime() < deadline) {
            Socket accepted = listener.accept();
            if (accepted.getRemoteSocketAddress().equals(ours.getLocalSocketAddress())) {
                return accepted;
            }
            accepted.close();
        }
        throw new SocketTimeoutException("the forwarded connection was not accepted in time");
    }

    /** Ends one direction of a connection, which the other side reads as the end of its input. */
    private interface End {
        void end() throws IOException;
    }

    /** Copies until the end of {@code from}, then ends {@code to} (a half close: the other direction goes on). */
    private static void pump(String direction, String hostName, InputStream from, OutputStream to, End end,
            Closing closing) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try {
                for (int n = from.read(buffer); n >= 0; n = from.read(buffer)) {
                    to.write(buffer, 0, n);
                    to.flush();
                }
                end.end();
            } catch (IOException e) {
                // either side closed: the connection is over, which closing below completes
            } finally {
                closing.oneSideDone();
            }
        }, "driftless-forward-" + direction + "-" + hostName);
        thread.setDaemon(true);
        thread.start();
    }

    /** Closes both ends once both directions are done. */
    private static final class Closing {

        private final AtomicInteger open = new AtomicInteger(2);
        private final Socket near;
        private final ChannelDirectTcpip channel;

        Closing(Socket near, ChannelDirectTcpip channel) {
            this.near = near;
            this.channel = channel;
        }

        void oneSideDone() {
            if (open.decrementAndGet() == 0) {
                try {
                    near.close();
                } catch (IOException e) {
                    // nothing is left to read or write on it
                }
                channel.close(false);
            }
        }
    }

    /** The socket handed out: closing it closes the channel too, so that nothing is left waiting on the host. */
    private static final class ForwardedSocket extends Socket {

        private final ChannelDirectTcpip channel;

        ForwardedSocket(ChannelDirectTcpip channel) {
            this.channel = channel;
        }

        @Override
        public synchronized void close() throws IOException {
            try {
                super.close();
            } finally {
                channel.close(false); // graceful: the host closes its end of the connection too
            }
        }
    }
}
