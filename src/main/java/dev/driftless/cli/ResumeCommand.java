package dev.driftless.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Lets a running agent apply automatically again after `driftless suspend`. */
@Command(name = "resume", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Resume the automatic applies of a running agent on one host (--host) or on every host, after"
                + " `driftless suspend`. The next reconcile applies what is pending.", "",
            "Exit codes: 0 = resumed, 1 = error (agent unreachable, token refused, unknown host)."})
final class ResumeCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    SuspendCommand.Options options;

    @Override
    public Integer call() {
        return SuspendCommand.send(options, false, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
