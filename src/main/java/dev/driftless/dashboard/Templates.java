package dev.driftless.dashboard;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.javalin.http.Context;
import io.javalin.rendering.FileRenderer;
import java.util.Map;

/**
 * The dashboard's jte templates (src/main/jte/dashboard), compiled with the rest of the code at build time, so the
 * agent compiles nothing when it starts. HTML content type: everything a template prints is escaped for where it
 * stands (text, attribute), so no data is ever written as markup.
 */
final class Templates implements FileRenderer {

    private final TemplateEngine engine = TemplateEngine.createPrecompiled(ContentType.Html);

    /** The template {@code name} (e.g. "dashboard/overview.jte") with these parameters, as HTML. */
    String render(String name, Map<String, ?> params) {
        StringOutput out = new StringOutput();
        @SuppressWarnings("unchecked")
        Map<String, Object> values = (Map<String, Object>) params;
        engine.render(name, values, out);
        return out.toString();
    }

    @Override
    public String render(String name, Map<String, ?> params, Context ctx) {
        return render(name, params);
    }
}
