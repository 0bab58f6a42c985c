package dev.driftless.host;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import org.apache.sshd.agent.SshAgent;
import org.apache.sshd.agent.SshAgentFactory;
import org.apache.sshd.agent.SshAgentServer;
import org.apache.sshd.agent.common.AbstractAgentProxy;
import org.apache.sshd.common.FactoryManager;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * Keys held by a running ssh-agent, reached over its Unix socket with the JDK's own Unix-domain
 * sockets (MINA's agent client needs a native library). MINA speaks the agent protocol; this class
 * only carries its messages: a 4-byte length, then the message.
 */
final class SshAgentSocket extends AbstractAgentProxy {

    private final SocketChannel channel;

    private SshAgentSocket(Path socket) throws IOException {
        super(null);
        this.channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        this.channel.connect(UnixDomainSocketAddress.of(socket));
    }

    @Override
    protected synchronized Buffer request(Buffer buffer) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(buffer.array(), buffer.rpos(), buffer.available());
        while (out.hasRemaining()) {
            channel.write(out);
        }
        ByteBuffer length = readFully(4);
        return new ByteArrayBuffer(readFully(length.getInt()).array());
    }

    private ByteBuffer readFully(int size) throws IOException {
        if (size < 0 || size > 256 * 1024) {
            throw new IOException("the ssh-agent answered with a message of " + size + " bytes");
        }
        ByteBuffer in = ByteBuffer.allocate(size);
        while (in.hasRemaining()) {
            if (channel.read(in) < 0) {
                throw new IOException("the ssh-agent closed the connection");
            }
        }
        in.flip();
        return in;
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() throws IOException {
        super.close();
        channel.close();
    }

    /** Gives every SSH session of the client the agent at {@code socket}. */
    static SshAgentFactory factory(Path socket) {
        return new SshAgentFactory() {
            @Override
            public List<ChannelFactory> getChannelForwardingFactories(FactoryManager manager) {
                return List.of(); // Driftless never forwards the agent to a host
            }

            @Override
            public SshAgent createClient(Session session, FactoryManager manager) throws IOException {
                return new SshAgentSocket(socket);
            }

            @Override
            public SshAgentServer createServer(ConnectionService service) {
                throw new UnsupportedOperationException("Driftless is not an ssh-agent");
            }
        };
    }
}
