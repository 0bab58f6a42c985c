package dev.driftless.cli;

import dev.driftless.plan.Action;
import dev.driftless.report.HealthState;
import dev.driftless.store.HandlerOutcome;
import dev.driftless.store.HistoryDocument;
import dev.driftless.store.HistoryPage;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.store.ResourceChange;
import dev.driftless.store.ServiceImage;
import dev.driftless.store.ServiceOutcome;
import dev.driftless.store.StoreException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Shows what the agent did: every apply and drift check it recorded, newest first. */
@Command(name = "history", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show the agent's history, newest first: every apply of a commit and every drift check,"
                + " with its commit, author and message (and who signed it, when the agent verifies signatures),"
                + " when it ran and how it ended, and per host and service"
                + " the result and the paths that changed (diffs with --output json --diffs, lines from secrets masked; secret"
                + " files only as '(sensitive content changed)'). Reads the agent's SQLite file under --state-dir, or the"
                + " database --store names. Changes nothing on any host.", "",
            "Exit codes: 0 = history printed (also when no reconcile matches), 1 = no history yet, or an error."})
public final class HistoryCommand implements Callable<Integer> {

    /** Where the agent keeps its state, and its history.db, unless told otherwise. */
    public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/driftless/agent");

    /** Output formats of history. */
    enum Output { text, json }

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "The agent's state directory, whose history.db (SQLite) is read."
                    + " Default: /var/lib/driftless/agent.")
    Path stateDir;

    @Option(names = "--store", paramLabel = "URL",
            description = {"Read the history from this database instead of --state-dir:",
                "  jdbc:postgresql://HOST:PORT/DB?user=NAME",
                "  jdbc:sqlite:/path/to/history.db",
                "Keep the PostgreSQL password in ~/.pgpass: a password=... in the URL is seen by other users in"
                        + " the process list."})
    String store;

    @Option(names = "--host", paramLabel = "H",
            description = "Only reconciles that touched host H, and of them only H's services.")
    String host;

    @Option(names = "--service", paramLabel = "S",
            description = "Only reconciles that touched service S, and of them only S (on every host, or on --host).")
    String service;

    @Option(names = "--agent", paramLabel = "NAME",
            description = "Only reconciles agent NAME recorded (agents sharing one database, see agent --agent-id).")
    String agent;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20",
            description = "Show at most N reconciles (those matching --host and --service). Default: ${DEFAULT-VALUE}.")
    int limit;

    @Option(names = "--cursor", paramLabel = "CURSOR",
            description = "The next (older) page: the cursor the page before ended with (its \"next\" in JSON).")
    String cursor;

    @Option(names = "--diffs", description = "With --output json: each change with its diff (left out otherwise).")
    boolean diffs;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (default) or json: the history document of GET /api/history, format version "
                    + HistoryDocument.FORMAT_VERSION + " (docs/json.md).")
    Output output;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            return show(out, err);
        } finally {
            out.flush();
            err.flush();
        }
    }

    private int show(PrintWriter out, PrintWriter err) {
        if (limit < 1) {
            err.println("Error: --limit must be at least 1, not " + limit);
            return 1;
        }
        if (store != null && stateDir != null) {
            err.println("Error: give --state-dir or --store, not both (--store names the database itself)");
            return 1;
        }
        String url;
        if (store != null) {
            url = store;
        } else {
            Path folder = stateDir == null ? DEFAULT_STATE_DIR : stateDir;
            Path file = folder.toAbsolutePath().normalize().resolve(JdbcHistoryStore.DEFAULT_FILE_NAME);
            if (Files.notExists(file)) {
                err.println("Error: no history yet at " + file + ": the agent records every reconcile there once it"
                        + " runs (give --state-dir DIR for another agent's state, or --store URL for a database)");
                return 1;
            }
            if (!Files.isReadable(file)) {
                err.println("Error: cannot read the history at " + file + ": permission denied (run as the agent's"
                        + " user, e.g. with sudo)");
                return 1;
            }
            url = JdbcHistoryStore.defaultUrl(folder);
        }
        HistoryQuery query = new HistoryQuery(Optional.ofNullable(host), Optional.ofNullable(service), limit,
                diffs ? HistoryQuery.Diffs.INCLUDED : HistoryQuery.Diffs.LEFT_OUT, Optional.ofNullable(agent));
        if (cursor != null) {
            try {
                query = query.before(cursor);
            } catch (IllegalArgumentException e) {
                err.println("Error: --cursor " + e.getMessage());
                return 1;
            }
        }
        try (HistoryStore history = JdbcHistoryStore.open(url)) {
            if (output == Output.json) {
                HistoryDocument document = new HistoryDocument(() -> out, query.diffs());
                history.history(query, document);
                document.finish();
            } else {
                printText(history.page(query), out);
            }
        } catch (StoreException e) {
            err.println("Error: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    private void printText(HistoryPage page, PrintWriter out) {
        List<Reconcile> reconciles = page.reconciles();
        if (reconciles.isEmpty()) {
            List<String> filters = new ArrayList<>();
            if (host != null) {
                filters.add("host " + host);
            }
            if (service != null) {
                filters.add("service " + service);
            }
            if (agent != null) {
                filters.add("agent " + agent);
            }
            out.println(filters.isEmpty() ? "No reconcile recorded yet."
                    : "No reconcile recorded for " + String.join(" and ", filters) + ".");
            return;
        }
        boolean first = true;
        for (Reconcile reconcile : reconciles) {
            if (!first) {
                out.println();
            }
            first = false;
            out.println(headline(reconcile));
            if (reconcile.signer() != null && !reconcile.signer().isBlank()) {
                // set only when the agent verified the signature: the trusted key, or the refused key's signer
                out.println("  signed by " + reconcile.signer().replaceAll("\\p{Cntrl}+", " ").strip());
            }
            if (reconcile.seen() > 1) {
                out.println("  seen " + reconcile.seen() + " times, first " + TIME.format(reconcile.startedAt())
                        + ", last " + TIME.format(reconcile.lastSeenAt()));
            }
            if (reconcile.error() != null) {
                out.println("  error: " + indented(reconcile.error(), "         "));
            }
            for (ServiceOutcome outcome : reconcile.services()) {
                String name = outcome.service() == null ? outcome.host() : outcome.host() + "/" + outcome.service();
                // the health only when a check ran: "failed, degraded: health check ..."
                out.println("  " + name + ": " + word(outcome.status())
                        + (outcome.health() == HealthState.UNKNOWN ? "" : ", " + outcome.health().word())
                        + (outcome.error() == null ? "" : ": " + indented(outcome.error(), "    ")));
                for (ResourceChange change : outcome.changes()) {
                    out.println("    " + symbol(change.action()) + " " + change.path()
                            + (change.cause() == null ? "" : "  # " + change.cause()));
                }
                for (HandlerOutcome handler : outcome.handlers()) {
                    // how each handler ended, and the end of its output (bounded and masked when recorded)
                    out.println("    handler " + handler.handler() + ": " + handler.result());
                    handler.output().lines().forEach(line -> out.println("        " + line));
                }
                outcome.images().forEach(image -> out.println("    " + imageLine(image)));
            }
        }
        page.next().ifPresent(next -> {
            out.println();
            out.println("Older reconciles: --cursor " + next);
        });
    }

    /** {@code #12 apply 3f2a9c1d0e4b "message" (alice) 2026-11-23 14:00:01Z  succeeded in 0.8 s}. */
    static String headline(Reconcile reconcile) {
        StringBuilder line = new StringBuilder("#").append(reconcile.id()).append(' ').append(word(reconcile.kind()));
        if (reconcile.commit() != null) {
            line.append(' ').append(reconcile.commit(), 0, Math.min(12, reconcile.commit().length()));
        }
        if (reconcile.message() != null && !reconcile.message().isBlank()) {
            line.append(" \"").append(reconcile.message().strip().lines().findFirst().orElse("")).append('"');
        }
        if (reconcile.author() != null && !reconcile.author().isBlank()) {
            // "Alice Example <alice@example.org>" reads as Alice Example; the address is in the JSON
            String author = reconcile.author().replaceFirst("\\s*<[^<>]*>\\s*$", "").strip();
            line.append(" (").append(author.isEmpty() ? reconcile.author().strip() : author).append(')');
        }
        line.append(' ').append(TIME.format(reconcile.startedAt()));
        line.append("  ").append(word(reconcile.result()));
        line.append(" in ").append(duration(Duration.between(reconcile.startedAt(), reconcile.finishedAt())));
        return line.toString();
    }

    /**
     * {@code image app/web: 127.0.0.1:5000/app@sha256:… (id 0123456789ab)}: the repository digest in full (what a
     * compose file pins), else the reference, and the image ID as short as {@code docker images} shows it.
     */
    static String imageLine(ServiceImage image) {
        String ran = image.digest().orElse(image.reference().isEmpty() ? "an image built on the host"
                : image.reference() + " (no repository digest)");
        String id = image.imageId().replaceFirst("^sha256:", "");
        return "image " + image.stack() + "/" + image.composeService() + ": " + ran + " (id "
                + id.substring(0, Math.min(12, id.length())) + ")";
    }

    /** 0.8 s, 42.0 s, 3 min 05 s, 1 h 02 min. */
    static String duration(Duration duration) {
        long millis = Math.max(0, duration.toMillis());
        if (millis < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
        }
        long seconds = millis / 1000;
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", seconds / 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", seconds / 3600, seconds / 60 % 60);
    }

    private static String symbol(String action) {
        for (Action known : Action.values()) {
            if (known.word().equalsIgnoreCase(action) || known.name().equalsIgnoreCase(action)
                    || known.symbol().equals(action)) {
                return known.symbol();
            }
        }
        return action;
    }

    /** APPLY -> apply, DRIFT_CHECK -> drift check (text; JSON has the Word: drift-check). */
    private static String word(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    private static String indented(String text, String indent) {
        return text.strip().replace("\n", "\n" + indent);
    }
}
