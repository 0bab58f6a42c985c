package dev.driftless.plan;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import com.github.difflib.patch.Patch;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Unified diffs of file contents, or a one-line note when a side is not text. */
final class Diffs {

    private static final int MAX_TEXT = 1024 * 1024;

    private Diffs() {
    }

    static String unified(String path, Optional<byte[]> before, byte[] after) {
        Optional<String> oldText = before.map(Diffs::text).orElse(Optional.of(""));
        Optional<String> newText = text(after);
        if (oldText.isEmpty() || newText.isEmpty()) {
            return "(binary content differs: " + before.map(b -> b.length + " bytes").orElse("nothing") + " -> "
                    + after.length + " bytes)";
        }
        List<String> oldLines = lines(oldText.get());
        List<String> newLines = lines(newText.get());
        Patch<String> patch = DiffUtils.diff(oldLines, newLines);
        String from = before.isPresent() ? path : "/dev/null";
        List<String> diff = UnifiedDiffUtils.generateUnifiedDiff(from, path, oldLines, patch, 3);
        if (diff.isEmpty()) {
            return "(only the line ending at the end of the file differs)";
        }
        StringBuilder out = new StringBuilder();
        for (String line : diff) {
            out.append(line).append('\n');
        }
        return out.toString();
    }

    private static List<String> lines(String text) {
        if (text.isEmpty()) {
            return List.of();
        }
        String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        return Arrays.asList(body.split("\n", -1));
    }

    private static Optional<String> text(byte[] bytes) {
        if (bytes.length > MAX_TEXT) {
            return Optional.empty();
        }
        for (byte b : bytes) {
            if (b == 0) {
                return Optional.empty();
            }
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }
}
