package dev.driftless.dashboard;

import dev.driftless.web.ApiTokens;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The dashboard's signed-in people, in memory only: a session is opened with one of the agent's API tokens and acts
 * with that token's name and role. Its id (the cookie) and its CSRF token are 256 random bits each; the map is keyed by
 * the id's SHA-256, so no lookup compares a guess against a stored id. A session ends after {@link #IDLE} without a
 * request, {@link #LIFETIME} after sign-in, or at sign-out; a restart of the agent ends them all.
 */
final class Sessions {

    /** How long a session lasts without a request. */
    static final Duration IDLE = Duration.ofHours(12);
    /** How long a session lasts at most, however busy. */
    static final Duration LIFETIME = Duration.ofDays(7);
    /** Sessions held at once; signing in past it ends the one idle longest. */
    private static final int MAX_SESSIONS = 10_000;

    /** One signed-in browser. Ending it runs what was registered with {@link #onEnd} (its live streams close). */
    static final class Session {
        private final String key;
        private final ApiTokens.Token token;
        private final String csrf;
        private final Instant started;
        private volatile Instant seen;
        private volatile boolean ended;
        private final List<Runnable> onEnd = new CopyOnWriteArrayList<>();

        private Session(String key, ApiTokens.Token token, String csrf, Instant started) {
            this.key = key;
            this.token = token;
            this.csrf = csrf;
            this.started = started;
            this.seen = started;
        }

        /** Who acts: the API token's name, recorded as who did what. */
        String who() {
            return token.name();
        }

        ApiTokens.Role role() {
            return token.role();
        }

        /** Whether this session may act (suspend, resume, check now, roll back), not only view. */
        boolean mayControl() {
            return token.role() == ApiTokens.Role.CONTROL;
        }

        /** The token every form and htmx request of this session must send back. */
        String csrf() {
            return csrf;
        }

        /** Whether {@code given} is this session's CSRF token (constant time). */
        boolean csrfMatches(String given) {
            return given != null && MessageDigest.isEqual(csrf.getBytes(StandardCharsets.US_ASCII),
                    given.getBytes(StandardCharsets.US_ASCII));
        }

        boolean ended() {
            return ended;
        }

        /** Runs {@code action} when the session ends (at once when it has ended already). */
        void onEnd(Runnable action) {
            onEnd.add(action);
            if (ended) {
                end();
            }
        }

        private void end() {
            ended = true;
            for (Runnable action : onEnd) {
                if (onEnd.remove(action)) {
                    action.run();
                }
            }
        }
    }

    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    Sessions(Clock clock) {
        this.clock = clock;
    }

    /** A new session for this token; returns it with its id, the cookie's value (never kept). */
    Opened open(ApiTokens.Token token) {
        sweep();
        if (sessions.size() >= MAX_SESSIONS) {
            sessions.values().stream().min(Comparator.comparing((Session s) -> s.seen)).ifPresent(this::end);
        }
        String id = randomToken();
        Session session = new Session(key(id), token, randomToken(), clock.instant());
        sessions.put(session.key, session);
        return new Opened(id, session);
    }

    /** A session and the id its cookie carries. */
    record Opened(String id, Session session) {
    }

    /** The live session of this cookie value, marked as seen now; empty when unknown, forged or expired. */
    Optional<Session> find(String id) {
        if (id == null || id.isEmpty() || id.length() > 100) {
            return Optional.empty();
        }
        Session session = sessions.get(key(id));
        if (session == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        if (expired(session, now)) {
            end(session);
            return Optional.empty();
        }
        session.seen = now;
        return Optional.of(session);
    }

    /** Ends a session (sign-out): its cookie no longer opens anything, its live streams close. */
    void end(Session session) {
        sessions.remove(session.key, session);
        session.end();
    }

    /** Ends the sessions that expired, so their streams close without waiting for their next request. */
    void sweep() {
        Instant now = clock.instant();
        new ArrayList<>(sessions.values()).stream().filter(s -> expired(s, now)).forEach(this::end);
    }

    /** Ends every session (the server stops). */
    void endAll() {
        new ArrayList<>(sessions.values()).forEach(this::end);
    }

    private static boolean expired(Session session, Instant now) {
        return !now.isBefore(session.seen.plus(IDLE)) || !now.isBefore(session.started.plus(LIFETIME));
    }

    private String randomToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String key(String id) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(id.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
