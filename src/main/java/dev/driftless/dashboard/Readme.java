package dev.driftless.dashboard;

import java.util.List;
import org.commonmark.Extension;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.DefaultUrlSanitizer;
import org.commonmark.renderer.html.HtmlRenderer;

/**
 * A service's README.md as HTML, by commonmark-java: raw HTML in it is escaped (shown as text, never run), and a link
 * or image keeps its address only when it is http(s) or relative ({@code javascript:} and the like become empty). What
 * it returns may be written into a page as it is.
 */
final class Readme {

    // GitHub's tables too: the services' READMEs list their files in them
    private static final List<Extension> EXTENSIONS = List.of(TablesExtension.create());

    private final Parser parser = Parser.builder().extensions(EXTENSIONS).build();
    private final HtmlRenderer renderer = HtmlRenderer.builder()
            .extensions(EXTENSIONS)
            .escapeHtml(true)
            .sanitizeUrls(true)
            .urlSanitizer(new DefaultUrlSanitizer(List.of("http", "https")))
            .attributeProviderFactory(context -> (node, tag, attributes) -> {
                if ("a".equals(tag)) {
                    attributes.put("rel", "nofollow noopener noreferrer");
                }
            })
            .build();

    /** The HTML of {@code markdown}. */
    String html(String markdown) {
        return renderer.render(parser.parse(markdown));
    }
}
