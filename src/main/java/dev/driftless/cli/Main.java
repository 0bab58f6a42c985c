package dev.driftless.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.jgit.lib.Config;
import org.eclipse.jgit.storage.file.FileBasedConfig;
import org.eclipse.jgit.util.FS;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The driftless command: parses the command line and hands over to a subcommand. */
@Command(name = "driftless", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "GitOps for small teams: a Git repository is the one source of truth for the files your hosts run.",
            "Driftless shows what a commit would change (plan), makes hosts match (apply) and reports hand edits (check).",
            "",
            "Exit codes: 0 = nothing to do / in sync / done, 2 = changes pending or drift (plan, check), 1 = error."})
public final class Main implements Runnable {

    /**
     * The subcommands, by name, in the order the usage lists them. Only the one a command line names is built:
     * picocli builds a command's model by reflection over its options and mixins, which for all of them took a
     * quarter of a second of every run (more than the JVM's own start), for a command that usually finds nothing
     * to do. A command line that names none of them (--help, help, a typo to suggest a name for) gets them all.
     */
    private static final Map<String, Supplier<Object>> COMMANDS = commands();

    private static Map<String, Supplier<Object>> commands() {
        Map<String, Supplier<Object>> commands = new LinkedHashMap<>();
        commands.put("validate", ValidateCommand::new);
        commands.put("plan", PlanCommand::new);
        commands.put("apply", ApplyCommand::new);
        commands.put("check", CheckCommand::new);
        commands.put("secrets", SecretsCommand::new);
        commands.put("agent", AgentCommand::new);
        commands.put("status", StatusCommand::new);
        commands.put("history", HistoryCommand::new);
        commands.put("suspend", SuspendCommand::new);
        commands.put("resume", ResumeCommand::new);
        commands.put("rollback", RollbackCommand::new);
        commands.put("allow-rewind", AllowRewindCommand::new);
        commands.put("forget", ForgetCommand::new);
        commands.put("bootstrap", BootstrapCommand::new);
        commands.put("init", InitCommand::new);
        commands.put("render", RenderCommand::new);
        commands.put("schema", SchemaCommand::new);
        commands.put("completion", CompletionCommand::new);
        commands.put("help", CommandLine.HelpCommand::new);
        return java.util.Collections.unmodifiableMap(commands);
    }

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
        // JGit would run `git --version` and `git config --system` (two processes) at start-up just to find
        // /etc/gitconfig, which matters to none of the repositories Driftless reads: no system configuration, as
        // git reads none with GIT_CONFIG_NOSYSTEM. (The delegate's getenv is not enough: Delegate hands
        // openSystemConfig to the default reader, which asks its own getenv.)
        org.eclipse.jgit.util.SystemReader.setInstance(
                new org.eclipse.jgit.util.SystemReader.Delegate(org.eclipse.jgit.util.SystemReader.getInstance()) {
                    @Override
                    public String getenv(String variable) {
                        return "GIT_CONFIG_NOSYSTEM".equals(variable) ? "1" : super.getenv(variable);
                    }

                    @Override
                    public FileBasedConfig openSystemConfig(Config parent, FS fs) {
                        return new FileBasedConfig(parent, null, fs) {
                            @Override
                            public void load() {
                                // no system configuration to read
                            }

                            @Override
                            public boolean isOutdated() {
                                return false;
                            }
                        };
                    }
                });
    }

    /** The driftless command with every subcommand, as its usage lists them. */
    static CommandLine withEveryCommand() {
        CommandLine commandLine = new CommandLine(new Main());
        COMMANDS.forEach((name, command) -> commandLine.addSubcommand(name, command.get()));
        return commandLine;
    }

    /** Runs a command line with the given output streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        Supplier<Object> named = args.length == 0 || args[0].equals("help") ? null : COMMANDS.get(args[0]);
        CommandLine commandLine = named == null ? withEveryCommand()
                : new CommandLine(new Main()).addSubcommand(args[0], named.get());
        Failures failures = new Failures(commandLine, args, out, err);
        commandLine.setOut(failures.out());
        commandLine.setErr(failures.err());
        // 2 means "changes pending" in plan and check, so usage errors exit 1 as every other error
        commandLine.getCommandSpec().exitCodeOnInvalidInput(1).exitCodeOnExecutionException(1);
        commandLine.getSubcommands().values()
                .forEach(sub -> sub.getCommandSpec().exitCodeOnInvalidInput(1).exitCodeOnExecutionException(1));
        commandLine.setParameterExceptionHandler((e, given) -> {
            int code = usageError(e, given);
            failures.usage(e);
            return code;
        });
        commandLine.setExecutionExceptionHandler((e, cl, parsed) -> failures.exception(e,
                cl.getCommand() instanceof WorkspaceCommand command ? command.consequence() : ""));
        int code = commandLine.execute(args);
        failures.finished(code);
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
