package dev.driftless.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The driftless command: parses the command line and hands over to a subcommand. */
@Command(name = "driftless", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "GitOps for small teams: a Git repository is the one source of truth for the files your hosts run.",
            "Driftless shows what a commit would change (plan), makes hosts match (apply) and reports hand edits (check).",
            "",
            "Exit codes: 0 = nothing to do / in sync / done, 2 = changes pending or drift (plan, check), 1 = error."},
        subcommands = {ValidateCommand.class, PlanCommand.class, ApplyCommand.class, CheckCommand.class,
            SecretsCommand.class, AgentCommand.class, StatusCommand.class, HistoryCommand.class, SuspendCommand.class,
            ResumeCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        setUpJvm();
        // UTF-8 whatever the locale: Java 17 would turn every non-ASCII character into '?' under LANG=C
        System.exit(run(args,
                new PrintWriter(new java.io.OutputStreamWriter(System.out, java.nio.charset.StandardCharsets.UTF_8), true),
                new PrintWriter(new java.io.OutputStreamWriter(System.err, java.nio.charset.StandardCharsets.UTF_8), true)));
    }

    /** What a JVM that runs commands sets once before the first. */
    static void setUpJvm() {
        // JGit would run `git config --system` (two processes) at start-up just to read /etc/gitconfig,
        // which matters to none of the repositories Driftless reads; skip it as git does with this variable.
        org.eclipse.jgit.util.SystemReader.setInstance(
                new org.eclipse.jgit.util.SystemReader.Delegate(org.eclipse.jgit.util.SystemReader.getInstance()) {
                    @Override
                    public String getenv(String variable) {
                        return "GIT_CONFIG_NOSYSTEM".equals(variable) ? "1" : super.getenv(variable);
                    }
                });
    }

    /** Runs a command line with the given output streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setOut(out);
        commandLine.setErr(err);
        // 2 means "changes pending" in plan and check, so usage errors exit 1 as every other error
        commandLine.getCommandSpec().exitCodeOnInvalidInput(1).exitCodeOnExecutionException(1);
        commandLine.getSubcommands().values()
                .forEach(sub -> sub.getCommandSpec().exitCodeOnInvalidInput(1).exitCodeOnExecutionException(1));
        commandLine.setParameterExceptionHandler(Main::usageError);
        commandLine.setExecutionExceptionHandler((e, cl, parsed) -> {
            cl.getErr().println("Error: " + e.getMessage());
            cl.getErr().flush();
            return 1;
        });
        int code = commandLine.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /**
     * A wrong option, value or command: the one line saying what is wrong (with picocli's "did you mean"),
     * and where the options are; the whole usage would bury that line.
     */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        err.println(e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        // a command parsed on its own (agent --config parses its file so) is named without "driftless"
        String name = command.getCommandSpec().qualifiedName();
        err.println("Run '" + (name.startsWith("driftless") ? name : "driftless " + name) + " --help' for the options.");
        err.flush();
        return 1;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The version from the jar's manifest, or "development" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"driftless " + (version == null ? "development" : version)};
        }
    }
}
