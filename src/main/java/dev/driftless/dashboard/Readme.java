package dev.driftless.dashboard;

import java.util.List;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.DefaultUrlSanitizer;
import org.commonmark.renderer.html.HtmlRenderer;

/**
 * A service's README.md as HTML, by commonmark-java: raw HTML in it is escaped (shown as text, never run), and a link
 * or image keeps its address only when it is http(s) or relative ({@code javascript:} and the like become empty). What
 * it returns may be written into a page as it is.
 */
final class Readme {

    private final Parser parser = Parser.builder().build();
    private final HtmlRenderer renderer = HtmlRenderer.builder()
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
