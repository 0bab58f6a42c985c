package dev.driftless.dashboard;

/**
 * Who is looking at a page, for its header and forms: the API token's name, whether it may act, and the CSRF token
 * its forms send back. {@link #SIGNED_OUT} on the sign-in page.
 */
public record Viewer(boolean signedIn, String who, boolean mayControl, String csrf) {

    static final Viewer SIGNED_OUT = new Viewer(false, "", false, "");

    static Viewer of(Sessions.Session session) {
        return new Viewer(true, session.who(), session.mayControl(), session.csrf());
    }
}
