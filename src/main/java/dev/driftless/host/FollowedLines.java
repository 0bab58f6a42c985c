package dev.driftless.host;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The output of a followed command ({@link Host#follow}), cut into lines as it is written and handed on one by one.
 * A line longer than {@link #MAX_LINE} bytes is cut there and the rest of it dropped, so a command that never ends a
 * line cannot make Driftless hold more than that.
 */
final class FollowedLines extends OutputStream {

    static final int MAX_LINE = 64 * 1024;

    private final Consumer<String> line;
    private final byte[] buffer = new byte[MAX_LINE];
    private int length;
    private boolean pending;

    FollowedLines(Consumer<String> line) {
        this.line = line;
    }

    @Override
    public synchronized void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int count) {
        for (int i = offset; i < offset + count; i++) {
            if (bytes[i] == '\n') {
                emit();
            } else {
                pending = true;
                if (length < MAX_LINE) {
                    buffer[length++] = bytes[i];
                }
            }
        }
    }

    /** Hands on what is left of a line the command did not end. */
    @Override
    public synchronized void close() {
        if (pending) {
            emit();
        }
    }

    private void emit() {
        int end = length > 0 && buffer[length - 1] == '\r' ? length - 1 : length;
        String text = new String(buffer, 0, end, StandardCharsets.UTF_8);
        length = 0;
        pending = false;
        line.accept(text);
    }
}
