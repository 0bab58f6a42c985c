package dev.driftless.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.driftless.apply.ApplyResult;
import dev.driftless.apply.HandlerResult;
import dev.driftless.health.ServiceHealth;
import dev.driftless.plan.Cause;
import dev.driftless.plan.Change;
import dev.driftless.plan.HandlerRun;
import dev.driftless.plan.HostPlan;
import dev.driftless.plan.Takeover;
import dev.driftless.report.Palette;
import dev.driftless.report.SyncState;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders plan, check and apply outcomes as text (Terraform-like) or JSON; computes nothing. */
public final class PlanPrinter {

    /** Which command's wording to use. */
    public enum Mode { PLAN, CHECK, APPLY }

    /** The version of the JSON document of plan, check and apply; raised when a field changes meaning or goes. */
    public static final int FORMAT_VERSION = 1;

    private final Mode mode;
    private final Palette palette;

    public PlanPrinter(Mode mode) {
        this(mode, Palette.PLAIN);
    }

    /** Text output coloured with {@code palette} (JSON never is). */
    public PlanPrinter(Mode mode, Palette palette) {
        this.mode = mode;
        this.palette = palette;
    }

    /** The header line of a host, also used by apply's progress output. */
    public static String header(HostPlan plan, String hostDescription) {
        return plan.hostName() + " (" + hostDescription + ") at " + shortRevision(plan.desired().revision());
    }

    public static String shortRevision(String revision) {
        return revision.length() > 12 && !revision.contains("+") ? revision.substring(0, 12)
                : revision.length() > 12 ? revision.substring(0, 12) + "+worktree" : revision;
    }

    /** One change as a line: symbol, path, service and, where it matters, why. */
    public String changeLine(Change change) {
        StringBuilder line = new StringBuilder("  ").append(change.action().symbol()).append(' ');
        if (isPackage(change)) {
            // + package nginx (1.22.1-9) (web): the version is the change's first detail
            line.append("package ").append(name(change)).append(" (").append(change.details().get(0)).append(") (")
                    .append(change.service()).append(')');
        } else if (change.kind().equals("unit") || change.kind().equals("stack")) {
            line.append(change.kind()).append(' ').append(name(change)).append(" (").append(change.service()).append(')');
        } else {
            line.append(change.path()).append(" (").append(change.service()).append(')');
            if (!"file".equals(change.kind())) {
                line.append(" [").append(change.kind()).append(']');
            }
        }
        if (change.takeover() instanceof Takeover.Adopt) {
            line.append(" (adopted: exists, not yet managed)");
        } else if (change.takeover() instanceof Takeover.Restore) {
            line.append(" (restore: what was there before Driftless)");
        }
        if (mode == Mode.CHECK || change.causes().contains(Cause.DRIFT)) {
            List<String> why = new ArrayList<>();
            for (Cause cause : Cause.values()) {
                if (change.causes().contains(cause)) {
                    why.add(cause.word() + ": " + cause.explanation());
                }
            }
            line.append("  # ").append(String.join("; ", why));
        }
        String text = line.substring(2);
        return "  " + switch (change.action()) {
            case CREATE -> palette.added(text);
            case DELETE -> palette.removed(text);
            case UPDATE -> palette.changed(text);
            case RELEASE -> text;
        };
    }

    /** A host's header line (or any heading), bold when coloured. */
    public String heading(String text) {
        return palette.heading(text);
    }

    /** The lines printed under a change's line, indented: {@link #detailLines}, then its diff. */
    public List<String> bodyLines(Change change) {
        List<String> lines = new ArrayList<>();
        detailLines(change).forEach(d -> lines.add("      " + d));
        change.diff().ifPresent(diff -> palette.diff(diff).forEach(l -> lines.add("      " + l)));
        return lines;
    }

    private static boolean isPackage(Change change) {
        return change.kind().equals("package") && !change.details().isEmpty();
    }

    /** A package's or unit's name, without the prefix that keeps it apart from paths. */
    private static String name(Change change) {
        return change.path().substring(change.path().indexOf(':') + 1);
    }

    /** The lines under a change's line: what a package's version does not already say, then the diff. */
    public static List<String> detailLines(Change change) {
        List<String> details = isPackage(change) ? change.details().subList(1, change.details().size()) : change.details();
        return details;
    }

    /**
     * What the health checks after an apply found, one line a service (and one a failed check), then the rollback:
     * {@code health app: degraded: http http://127.0.0.1:8080/healthz: HTTP 503}.
     */
    public static List<String> healthLines(HostOutcome.Applied applied) {
        List<String> lines = new ArrayList<>();
        applied.health().values().stream().sorted(java.util.Comparator.comparing(ServiceHealth::service))
                .forEach(h -> {
                    lines.add("health " + h.service() + ": " + h.state().word());
                    h.failed().forEach(c -> lines.add("  " + c.check().describe() + ": " + c.detail()));
                });
        applied.rollback().ifPresent(r -> {
            String why = String.join(", ", r.services()) + " failed";
            if (r.refused().isPresent()) {
                lines.add("not rolled back (" + why + "): " + r.refused().get());
            } else if (r.restored()) {
                lines.add("rolled back to " + shortRevision(r.revision()) + " (" + why + "), the last commit healthy"
                        + " here; the agent does not apply commit " + shortRevision(applied.plan().desired().revision())
                        + " again");
            } else {
                HostOutcome.Applied back = r.applied().orElseThrow();
                lines.add("rolled back to " + shortRevision(r.revision()) + " (" + why + "), but the rollback failed too");
                back.result().failure().ifPresent(f -> lines.add("  " + withoutHost(applied.host(), f.message())));
                back.unhealthy().forEach(s -> lines.add("  health " + s + " is still degraded"));
            }
        });
        return lines;
    }

    /** A handler that ran: {@code   handler web/reload: failed (exit 3)}, then the end of its output, indented. */
    public static List<String> handlerLines(HandlerResult result) {
        List<String> lines = new ArrayList<>();
        lines.add("  handler " + result.handler().id() + ": " + result.verdict());
        result.output().shown().lines().forEach(l -> lines.add("      " + l));
        return lines;
    }

    public void printText(List<HostOutcome> outcomes, Map<String, String> descriptions, PrintWriter out) {
        for (HostOutcome outcome : outcomes) {
            if (outcome instanceof HostOutcome.Failed failed) {
                out.println(failed.host() + ": error: " + withoutHost(failed.host(), failed.message()));
                out.println();
                continue;
            }
            HostPlan plan = outcome instanceof HostOutcome.Planned p ? p.plan() : ((HostOutcome.Applied) outcome).plan();
            String header = header(plan, descriptions.getOrDefault(plan.hostName(), ""));
            if (plan.isEmpty()) {
                out.println(palette.heading(header) + ": no changes.");
                out.println();
                continue;
            }
            out.println(palette.heading(header));
            for (Change c : plan.changes()) {
                out.println(changeLine(c));
                bodyLines(c).forEach(out::println);
            }
            if (!plan.handlers().isEmpty()) {
                out.println("  handlers to run: " + String.join(", ", plan.handlers().stream().map(HandlerRun::id).toList()));
            }
            out.println();
        }
        PlanSummary summary = PlanSummary.of(outcomes);
        out.println(palette.heading("Plan: " + summary.add() + " to add, " + summary.change() + " to change, "
                + summary.delete() + " to delete."));
        if (mode == Mode.CHECK) {
            out.println("Drift: " + summary.drifted() + " changed on the host since the last apply; "
                    + summary.pending() + " pending (changed in Git since the last apply).");
        }
        out.flush();
    }

    /** Host errors name their host for logs; under a line that already does, say it once. */
    public static String withoutHost(String host, String message) {
        return message.startsWith(host + ": ") ? message.substring(host.length() + 2) : message;
    }

    public void printJson(List<HostOutcome> outcomes, PrintWriter out) {
        printJson(outcomes, Map.of(), out);
    }

    /** The same, with fields the command knows of the whole run after {@code formatVersion} (who signed the commit). */
    public void printJson(List<HostOutcome> outcomes, Map<String, Object> head, PrintWriter out) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("formatVersion", FORMAT_VERSION);
        root.putAll(head);
        List<Object> hosts = new ArrayList<>();
        for (HostOutcome outcome : outcomes) {
            Map<String, Object> host = new LinkedHashMap<>();
            host.put("host", outcome.host());
            if (outcome instanceof HostOutcome.Failed failed) {
                host.put("status", SyncState.FAILED.word());
                host.put("error", failed.message());
                host.put("failure", failed.kind().word());
                hosts.add(host);
                continue;
            }
            HostPlan plan = outcome instanceof HostOutcome.Planned p ? p.plan() : ((HostOutcome.Applied) outcome).plan();
            host.put("revision", plan.desired().revision());
            host.put("changes", plan.changes().stream().map(PlanPrinter::changeJson).toList());
            host.put("handlers", plan.handlers().stream().map(HandlerRun::id).toList());
            if (outcome instanceof HostOutcome.Applied applied) {
                ApplyResult result = applied.result();
                host.put("status", result.succeeded() ? "applied" : SyncState.FAILED.word());
                result.failure().ifPresent(f -> {
                    host.put("error", f.message());
                    host.put("failure", f.kind().word());
                });
                host.put("failedHandlers", result.failedHandlers().stream().map(h -> h.handler().id()).toList());
                host.put("handlerRuns", result.handlers().stream().map(PlanPrinter::handlerJson).toList());
                if (!applied.health().isEmpty()) {
                    host.put("health", healthJson(applied.health()));
                }
                applied.rollback().ifPresent(r -> {
                    Map<String, Object> rollback = new LinkedHashMap<>();
                    rollback.put("revision", r.revision());
                    rollback.put("services", r.services());
                    rollback.put("restored", r.restored());
                    r.refused().ifPresent(why -> rollback.put("refused", why));
                    r.applied().ifPresent(back -> {
                        rollback.put("changes", back.result().applied().stream().map(PlanPrinter::changeJson).toList());
                        back.result().failure().ifPresent(f -> rollback.put("error", f.message()));
                        rollback.put("health", healthJson(back.health()));
                    });
                    host.put("rollback", rollback);
                });
                if (!applied.succeeded()) {
                    host.put("status", SyncState.FAILED.word());
                }
            } else {
                host.put("status", (plan.isEmpty() ? SyncState.IN_SYNC : plan.hasCause(Cause.DRIFT) ? SyncState.DRIFTED
                        : SyncState.PENDING).word());
            }
            hosts.add(host);
        }
        root.put("hosts", hosts);
        PlanSummary counts = PlanSummary.of(outcomes);
        Map<String, Long> summary = new LinkedHashMap<>();
        summary.put("add", counts.add());
        summary.put("change", counts.change());
        summary.put("delete", counts.delete());
        summary.put("drifted", counts.drifted());
        summary.put("pending", counts.pending());
        root.put("summary", summary);
        try {
            // made here, not at class load: text output should not pay for Jackson's start-up
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        out.flush();
    }

    private static Map<String, Object> healthJson(Map<String, ServiceHealth> health) {
        Map<String, Object> json = new java.util.TreeMap<>();
        health.forEach((service, h) -> {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("state", h.state().word());
            one.put("checks", h.checks().stream().map(c -> {
                Map<String, Object> check = new LinkedHashMap<>();
                check.put("check", c.check().describe());
                check.put("passed", c.passed());
                check.put("detail", c.detail());
                check.put("samples", c.samples());
                return check;
            }).toList());
            json.put(service, one);
        });
        return json;
    }

    private static Map<String, Object> handlerJson(HandlerResult result) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("service", result.handler().service());
        json.put("handler", result.handler().handler());
        json.put("command", result.handler().command());
        if (result.ending() instanceof HandlerResult.Exited exited) {
            json.put("status", exited.code() == 0 ? "ok" : "failed");
            json.put("exitCode", exited.code());
        } else if (result.ending() instanceof HandlerResult.TimedOut timedOut) {
            json.put("status", "timed-out");
            json.put("timeoutSeconds", timedOut.after().toMillis() / 1000.0);
        } else if (result.ending() instanceof HandlerResult.NotRun notRun) {
            json.put("status", "not-run");
            json.put("error", notRun.reason());
        }
        json.put("output", result.output().text());
        json.put("outputTruncated", result.output().truncated());
        return json;
    }

    private static Map<String, Object> changeJson(Change change) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("action", change.action().word());
        json.put("path", change.path());
        json.put("kind", change.kind());
        if (!change.path().startsWith("/")) {
            json.put("name", name(change));
        }
        if (isPackage(change)) {
            json.put("version", change.details().get(0));
        }
        json.put("service", change.service());
        List<String> causes = new ArrayList<>();
        for (Cause cause : Cause.values()) {
            if (change.causes().contains(cause)) {
                causes.add(cause.word());
            }
        }
        json.put("causes", causes);
        if (!(change.takeover() instanceof Takeover.None)) {
            json.put("takeover", change.takeover().word());
        }
        change.diff().ifPresent(d -> json.put("diff", d));
        if (!change.details().isEmpty()) {
            json.put("details", change.details());
        }
        return json;
    }
}
