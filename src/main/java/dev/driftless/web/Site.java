package dev.driftless.web;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Handler;
import java.util.function.UnaryOperator;

/**
 * Pages served for people on the API listener, beside the API: the dashboard. The web package only mounts a site;
 * what it shows and how it signs people in is the site's own.
 */
public interface Site extends AutoCloseable {

    /**
     * Adds the site's routes (and, when it renders templates, its file renderer) to the server's configuration.
     *
     * @param apiListenerOnly wraps a handler so it answers 404 on the hooks listener (wrap every route with it)
     * @param secure whether the listener serves TLS (cookies are then sent with {@code Secure})
     */
    void routes(JavalinConfig config, UnaryOperator<Handler> apiListenerOnly, boolean secure);

    /** Ends what the site runs in the background; called when the server stops. */
    @Override
    void close();
}
