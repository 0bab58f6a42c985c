package dev.driftless.render;

import dev.driftless.source.RepoTree;
import io.pebbletemplates.pebble.error.LoaderException;
import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.loader.Loader;
import java.io.Reader;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Lets Pebble read templates (and their includes) from the repository at the planned revision: UTF-8
 * text only, and only tree paths, so that no include reads a file outside the repository.
 */
final class RepoTemplateLoader implements Loader<String> {

    private final RepoTree tree;

    RepoTemplateLoader(RepoTree tree) {
        this.tree = tree;
    }

    @Override
    public Reader getReader(String path) {
        if (!RepoTree.isTreePath(path)) {
            // resolveRelativePath never gives such a name; the check is a second line of defence
            throw new LoaderException(null, "'" + path + "' is outside the repository");
        }
        byte[] bytes = tree.read(path).orElseThrow(() -> new LoaderException(null,
                "template not found in the repository: " + path));
        try {
            // strict: a lenient decoder would turn a Latin-1 file into U+FFFD characters on the host
            return new StringReader(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            throw new PebbleException(null, path + " is not valid UTF-8 text; a template must be UTF-8"
                    + " (use source: for binary files)", null, path);
        }
    }

    @Override
    public void setCharset(String charset) {
        // templates are UTF-8
    }

    @Override
    public void setPrefix(String prefix) {
        // paths are repository paths
    }

    @Override
    public void setSuffix(String suffix) {
        // paths are given in full
    }

    /** Includes are relative to the including template's folder and may not leave the repository. */
    @Override
    public String resolveRelativePath(String relativePath, String anchorPath) {
        int slash = anchorPath.lastIndexOf('/');
        String base = slash < 0 ? "" : anchorPath.substring(0, slash);
        Deque<String> parts = new ArrayDeque<>();
        boolean outside = relativePath.startsWith("/") || relativePath.indexOf('\0') >= 0;
        for (String part : (base + "/" + relativePath).split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    outside = true;
                    break;
                }
                parts.removeLast();
            } else {
                parts.addLast(part);
            }
        }
        if (outside || parts.isEmpty()) {
            throw new PebbleException(null, "'" + relativePath + "' is outside the repository (a template"
                    + " includes a path relative to its own folder, " + (base.isEmpty() ? "the top" : base) + ")",
                    null, anchorPath);
        }
        return String.join("/", parts);
    }

    @Override
    public String createCacheKey(String templateName) {
        return templateName;
    }

    @Override
    public boolean resourceExists(String templateName) {
        return tree.type(templateName) == RepoTree.EntryType.FILE;
    }
}
