package dev.driftless.host;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelListener;

/**
 * One long-lived {@code sh} on an SSH host that runs Driftless's own scripts one after another. sshd starts every
 * command through the user's login shell, which on real hosts sources ~/.bashrc (pyenv, nvm, conda: a fifth of a
 * second and more); a command per operation paid that each time. This shell pays it, and sudo's start, once per
 * connection.
 *
 * <p>Each script travels on the shell's standard input as a header line (the script's length, its input's length
 * and a random token), the script, then exactly its input; it runs in a subshell with that input (or /dev/null) as
 * its own, its output goes to the channel as it comes, and a line with the token and its exit status ends it on
 * both output streams. The token is fresh for every script, so nothing a script prints (a file's content) can end
 * it early. Scripts never appear on the host's command lines.
 */
final class RemoteShell implements AutoCloseable {

    /**
     * Reads one script at a time; what a script leaves unread of its input is drained, so the next header follows.
     * When the host's environment names a file in DRIFTLESS_SCRIPT_LOG (sshd's SetEnv, say), each script is appended
     * to it, NUL-terminated: what Driftless runs there, for whoever debugs it (never a script's input: no file's
     * content).
     */
    private static final String LOOP = "while IFS=' ' read -r sl il tok here; do "
            + "s=$(head -c \"$sl\"; echo x); s=${s%x}; "
            + "[ -z \"$DRIFTLESS_SCRIPT_LOG\" ] || printf '%s\\000' \"$s\" >> \"$DRIFTLESS_SCRIPT_LOG\"; "
            + "if [ -n \"$here\" ]; then eval \"$s\" </dev/null; "
            + "elif [ \"$il\" -eq 0 ]; then (eval \"$s\") </dev/null 9>&-; "
            + "else head -c \"$il\" | { (eval \"$s\") 9>&-; x=$?; cat >/dev/null; exit $x; }; fi; "
            + "x=$?; printf '\\000@@driftless-%s %s\\n' \"$tok\" \"$x\"; "
            + "printf '\\000@@driftless-%s %s\\n' \"$tok\" \"$x\" >&2; done";

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Scripts run by every shell of this process: the round trips of SSH hosts, which tests count. */
    static final AtomicLong SCRIPTS = new AtomicLong();

    /** A script's outcome: its exit status (-1 when it had none), its output and its error output. */
    record Result(int exit, byte[] out, String err) {
    }

    private final String host;
    private final ClientSession session;
    private final boolean sudo;
    private final Duration timeout;
    private ChannelExec channel;
    private OutputStream stdin;
    private Framed out;
    private Framed err;
    private boolean holding;
    private boolean lockLost;

    RemoteShell(String host, ClientSession session, boolean sudo, Duration timeout) {
        this.host = host;
        this.session = session;
        this.sudo = sudo;
        this.timeout = timeout;
    }

    /**
     * Runs {@code script} with {@code input}, waiting up to {@code wait} for it once the input is sent. A script
     * that does not end in time ends the shell (the next script starts another); a connection lost meanwhile is a
     * transient failure.
     */
    synchronized Result run(String script, byte[] input, Duration wait) {
        return run(script, input, wait, false);
    }

    /**
     * Runs {@code script} in the shell itself, not in a subshell: what it opens stays open for the scripts after it
     * (the apply lock's file, on fd 9, which every other script runs without). It must never exit, and gets no input.
     */
    synchronized Result runHere(String script, Duration wait) {
        return run(script, new byte[0], wait, true);
    }

    /**
     * Says that the shell now holds the apply lock, or no longer does. A shell that ends while it holds the lock
     * has dropped it: every script after that fails rather than run unlocked in a new shell.
     */
    synchronized void holdingLock(boolean holding) {
        this.holding = holding;
        if (!holding) {
            lockLost = false; // the apply that lost it has ended
        }
    }

    private Result run(String script, byte[] input, Duration wait, boolean here) {
        if (lockLost) {
            throw HostException.transientFailure(host + ": the remote shell that held the apply lock ended; this"
                    + " apply stops here (run it again)", null);
        }
        start();
        SCRIPTS.incrementAndGet();
        String token = HexFormat.of().formatHex(randomBytes());
        byte[] marker = ("\0@@driftless-" + token + " ").getBytes(StandardCharsets.US_ASCII);
        CompletableFuture<Ending> outEnd = out.expect(marker);
        CompletableFuture<Ending> errEnd = err.expect(marker);
        byte[] body = script.getBytes(StandardCharsets.UTF_8);
        try {
            stdin.write((body.length + " " + input.length + " " + token + (here ? " here" : "") + "\n")
                    .getBytes(StandardCharsets.US_ASCII));
            stdin.write(body);
            stdin.write(input);
            stdin.flush();
        } catch (IOException | IllegalStateException e) {
            return ended(e);
        }
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            Ending o = outEnd.get(wait.toNanos(), TimeUnit.NANOSECONDS);
            Ending e = errEnd.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return new Result(o.exit(), o.bytes(), new String(e.bytes(), StandardCharsets.UTF_8).trim());
        } catch (TimeoutException e) {
            stop();
            throw HostException.transientFailure(host + ": a remote command did not finish within " + wait.toSeconds()
                    + "s", null);
        } catch (ExecutionException e) {
            return ended(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            throw HostException.transientFailure(host + ": interrupted while a remote command ran", e);
        }
    }

    /**
     * The shell ended before the script did: when it exited (sudo refused to run it, say) that is the script's
     * outcome, as it was when every script was its own command; when the connection went, a transient failure.
     */
    private Result ended(Throwable cause) {
        ChannelExec ended = channel;
        Framed o = out;
        Framed e = err;
        stop();
        Integer exit = ended == null ? null : ended.getExitStatus();
        if (exit != null) {
            return new Result(exit, o.rest(), new String(e.rest(), StandardCharsets.UTF_8).trim());
        }
        throw HostException.transientFailure(host + ": the SSH connection was lost during a remote command"
                + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage()), cause);
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private void start() {
        if (channel != null && channel.isOpen() && !channel.isClosing()) {
            return;
        }
        stop();
        String command = sudo ? "exec sudo -n sh -c " + SshHost.quote(LOOP) : "exec sh -c " + SshHost.quote(LOOP);
        Framed o = new Framed();
        Framed e = new Framed();
        try {
            ChannelExec opened = session.createExecChannel(command);
            opened.setOut(o);
            opened.setErr(e);
            opened.addChannelListener(new ChannelListener() {
                @Override
                public void channelClosed(Channel closed, Throwable reason) {
                    o.lost(reason);
                    e.lost(reason);
                }
            });
            opened.open().verify(timeout);
            channel = opened;
            stdin = opened.getInvertedIn();
            out = o;
            err = e;
        } catch (IOException | IllegalStateException ex) {
            if (session.isClosing() || !session.isOpen()) {
                throw HostException.transientFailure(host + ": the SSH connection was lost", ex);
            }
            throw HostException.transientFailure(host + ": the SSH connection failed: " + ex.getMessage(), ex);
        }
    }

    private void stop() {
        if (holding) {
            lockLost = true;
        }
        if (channel != null) {
            channel.close(true);
        }
        channel = null;
        stdin = null;
    }

    @Override
    public synchronized void close() {
        if (channel != null) {
            try {
                stdin.close(); // the end of input ends the loop, and the shell with it
            } catch (IOException e) {
                // closed next anyway
            }
            channel.close(false);
            channel = null;
        }
    }

    /** What came before a script's end line, and the exit status that line gave. */
    private record Ending(byte[] bytes, int exit) {
    }

    /** One output stream of the shell: collects a script's output until its end line comes. */
    private static final class Framed extends OutputStream {

        private byte[] buffer = new byte[8192];
        private int count;
        private byte[] marker;
        private CompletableFuture<Ending> ending;
        private int scanned; // what has been looked at for the end line, up to a few bytes
        private Throwable lost;

        synchronized CompletableFuture<Ending> expect(byte[] next) {
            marker = next;
            ending = new CompletableFuture<>();
            scanned = 0;
            if (lost != null) {
                ending.completeExceptionally(lost);
            } else {
                scan();
            }
            return ending;
        }

        synchronized void lost(Throwable reason) {
            lost = reason == null ? new IOException("the channel closed") : reason;
            if (ending != null) {
                ending.completeExceptionally(lost);
            }
        }

        /** What the stream holds that no end line claimed. */
        synchronized byte[] rest() {
            return Arrays.copyOf(buffer, count);
        }

        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            if (count + len > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, count + len));
            }
            System.arraycopy(b, off, buffer, count, len);
            count += len;
            scan();
        }

        /** Looks for the end line in what came since the last look (and a marker's length before it). */
        private void scan() {
            if (ending == null || ending.isDone()) {
                return;
            }
            EndLine line = endLine(buffer, count, marker, Math.max(0, scanned - marker.length));
            if (line == null) {
                // the next look starts a marker's length before this point: an end line whose status and line
                // feed (a few bytes) have not come yet is found again
                scanned = Math.max(0, count - 16);
                return;
            }
            byte[] before = Arrays.copyOf(buffer, line.at());
            int rest = count - line.next();
            System.arraycopy(buffer, line.next(), buffer, 0, rest);
            count = rest;
            if (buffer.length > 1 << 20) {
                buffer = Arrays.copyOf(buffer, Math.max(8192, rest)); // a large read's buffer is not kept
            }
            ending.complete(new Ending(before, line.exit()));
        }
    }

    /** An end line: where its marker starts, where what follows it starts, and the exit status it gives. */
    record EndLine(int at, int next, int exit) {
    }

    /**
     * The first complete end line ({@code marker}, an exit status, a line feed) in the first {@code length} bytes of
     * {@code all} at or after {@code from}; null when there is none yet.
     */
    static EndLine endLine(byte[] all, int length, byte[] marker, int from) {
        int at = indexOf(all, length, marker, from);
        if (at < 0) {
            return null;
        }
        int end = at + marker.length;
        while (end < length && all[end] != '\n') {
            end++;
        }
        if (end >= length) {
            return null;
        }
        return new EndLine(at, end + 1, Integer.parseInt(new String(all, at + marker.length, end - at - marker.length,
                StandardCharsets.US_ASCII).trim()));
    }

    /** Where {@code part} first is in the first {@code length} bytes of {@code all} at or after {@code from}, or -1. */
    static int indexOf(byte[] all, int length, byte[] part, int from) {
        outer:
        for (int i = from; i <= length - part.length; i++) {
            for (int j = 0; j < part.length; j++) {
                if (all[i + j] != part[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
