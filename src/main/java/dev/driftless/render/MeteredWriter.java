package dev.driftless.render;

import java.io.Writer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Collects one file's output, counting its UTF-8 bytes against the budget on every write (which also
 * asks whether time is up): a template that expands without end fails at the size limit instead of
 * filling memory.
 */
final class MeteredWriter extends Writer {

    private final RenderBudget budget;
    private final StringBuilder text = new StringBuilder();

    MeteredWriter(RenderBudget budget) {
        this.budget = budget;
    }

    @Override
    public void write(char[] chars, int offset, int length) {
        budget.wrote(utf8Length(CharBuffer.wrap(chars), offset, length));
        text.append(chars, offset, length);
    }

    @Override
    public void write(String string, int offset, int length) {
        budget.wrote(utf8Length(string, offset, length));
        text.append(string, offset, offset + length);
    }

    private static long utf8Length(CharSequence chars, int offset, int length) {
        long bytes = 0;
        for (int i = offset; i < offset + length; i++) {
            bytes += utf8Length(chars.charAt(i));
        }
        return bytes;
    }

    // a surrogate pair is 4 bytes: 2 for each half
    private static int utf8Length(char c) {
        return c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
    }

    /** The output so far, as UTF-8. */
    byte[] bytes() {
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void flush() {
        // kept in memory
    }

    @Override
    public void close() {
        // kept in memory
    }
}
