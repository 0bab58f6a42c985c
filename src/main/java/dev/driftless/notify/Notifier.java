package dev.driftless.notify;

/**
 * One destination for notifications (a Slack channel, an address, a commit status context). Implementations make
 * one attempt per call and are safe to call from one thread at a time; retries and deduplication are done by
 * {@link Notifications}.
 */
public interface Notifier {

    /** The name of the rule in {@code driftless.yaml}, used in logs and error messages. */
    String name();

    /**
     * Delivers {@code event} once.
     *
     * @throws NotifyException when the destination did not accept it; the message names the destination and the
     *                         status or timeout, never a URL, token or password
     */
    void send(Event event) throws NotifyException;
}
