package dev.driftless.render;

import dev.driftless.source.RepoTree;
import io.pebbletemplates.pebble.loader.Loader;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/** Lets Pebble read templates (and their includes) from the repository at the planned revision. */
final class RepoTemplateLoader implements Loader<String> {

    private final RepoTree tree;

    RepoTemplateLoader(RepoTree tree) {
        this.tree = tree;
    }

    @Override
    public Reader getReader(String path) {
        byte[] bytes = tree.read(path).orElseThrow(() -> new io.pebbletemplates.pebble.error.LoaderException(null,
                "template not found in the repository: " + path));
        return new StringReader(new String(bytes, StandardCharsets.UTF_8));
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
        for (String part : (base + "/" + relativePath).split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    return relativePath; // leaves the repository: resourceExists says no
                }
                parts.removeLast();
            } else {
                parts.addLast(part);
            }
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
