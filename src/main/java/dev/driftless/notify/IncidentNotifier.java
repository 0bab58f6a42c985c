package dev.driftless.notify;

/**
 * A destination that opens an incident for a problem and closes it again, keyed by the problem (PagerDuty): it is
 * sent a resolution only for a problem it was sent, once for each problem the resolution ends, with that problem's
 * host and service, so that it can address the incident it opened.
 */
public interface IncidentNotifier extends Notifier {
}
