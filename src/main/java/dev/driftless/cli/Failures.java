package dev.driftless.cli;

import dev.driftless.model.Problem;
import dev.driftless.model.ValidationException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.List;
import picocli.CommandLine;

/**
 * Says why one run of the command line failed, the one place that does: on stderr as text, and when the command
 * line asks for {@code --output json}, also as a {@link ResultDocument} on stdout, so that a script reads JSON
 * whatever happened. A command that prints its own document before failing (a plan with an unreachable host) gets
 * none more; a command that only said its error on stderr and exited 1 gets that error as a document.
 */
final class Failures {

    private static final int KEPT = 16 * 1024;

    private final boolean json;
    private final PrintWriter out;
    private final PrintWriter err;
    private final StringBuilder said = new StringBuilder();
    private boolean written;
    private boolean reported;

    /** Failures of the command {@code args} names, printed to these streams (use {@link #out} and {@link #err}). */
    Failures(CommandLine commandLine, String[] args, PrintWriter out, PrintWriter err) {
        this.json = asksForJson(commandLine, args);
        this.out = new PrintWriter(new Writer() {
            @Override
            public void write(char[] text, int offset, int length) {
                written |= length > 0;
                out.write(text, offset, length);
            }

            @Override
            public void flush() {
                out.flush();
            }

            @Override
            public void close() {
                out.flush();
            }
        }, true);
        this.err = new PrintWriter(new Writer() {
            @Override
            public void write(char[] text, int offset, int length) {
                if (said.length() < KEPT) {
                    said.append(text, offset, Math.min(length, KEPT - said.length()));
                }
                err.write(text, offset, length);
            }

            @Override
            public void flush() {
                err.flush();
            }

            @Override
            public void close() {
                err.flush();
            }
        }, true);
    }

    /**
     * Whether the command line asks for JSON: {@code --output json} where that option chooses a format (secrets
     * keygen's {@code --output} names a file), or on a command that has no such option (a usage error, said in JSON).
     */
    private static boolean asksForJson(CommandLine commandLine, String[] args) {
        boolean asked = false;
        CommandLine command = commandLine;
        for (int i = 0; i < args.length; i++) {
            CommandLine sub = command.getSubcommands().get(args[i]);
            if (sub != null) {
                command = sub;
            }
            asked |= args[i].equals("--output=json") || args[i].equals("--output") && i + 1 < args.length
                    && args[i + 1].equals("json");
        }
        CommandLine.Model.OptionSpec output = command.getCommandSpec().findOption("--output");
        return asked && (output == null || output.type().isEnum());
    }

    PrintWriter out() {
        return out;
    }

    PrintWriter err() {
        return err;
    }

    /** A wrong command line, already said on stderr. */
    void usage(CommandLine.ParameterException e) {
        document(ResultDocument.failure(ResultDocument.Kind.USAGE, e.getMessage(), List.of()));
    }

    /**
     * An exception a command did not handle: said on stderr ({@code consequence}: what it means for the command,
     * such as "; nothing was applied"), and as a document.
     */
    int exception(Exception e, String consequence) {
        if (e instanceof ValidationException invalid) {
            List<Problem> problems = invalid.problems();
            String summary = "the repository does not validate (" + problems.size()
                    + (problems.size() == 1 ? " problem" : " problems") + ")" + consequence;
            err.println("Error: " + summary + ":");
            problems.forEach(problem -> err.println("  " + problem));
            err.flush();
            document(ResultDocument.failure(ResultDocument.Kind.INVALID_REPOSITORY, summary, problems));
        } else if (e instanceof UntrustedCommit untrusted) {
            String message = untrusted.getMessage() + consequence;
            err.println("Error: " + message);
            err.println(untrusted.hint());
            err.flush();
            document(ResultDocument.untrusted(message, untrusted));
        } else {
            err.println("Error: " + e.getMessage());
            err.flush();
            document(ResultDocument.failure(ResultDocument.Kind.ERROR, e.getMessage(), List.of()));
        }
        return 1;
    }

    /** The run ended with {@code code}: a failure that printed nothing on stdout gets its document from stderr. */
    void finished(int code) {
        if (code != 1 || written) {
            return;
        }
        List<String> errors = said.toString().lines().filter(l -> l.startsWith("Error: "))
                .map(l -> l.substring("Error: ".length())).toList();
        String message = !errors.isEmpty() ? String.join("\n", errors)
                : said.toString().isBlank() ? "failed (exit 1)" : said.toString().strip();
        document(ResultDocument.failure(ResultDocument.Kind.ERROR, message, List.of()));
    }

    private void document(ResultDocument document) {
        if (!json || reported || written) {
            return;
        }
        reported = true;
        out.println(document.text());
        out.flush();
    }
}
