package dev.driftless.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Prints a script that teaches a shell to complete driftless's commands and options. */
@Command(name = "completion", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print a completion script for SHELL. Load it in the running shell, or install it:",
            "  bash:  source <(driftless completion bash)     or save it as"
                    + " /etc/bash_completion.d/driftless",
            "  zsh:   source <(driftless completion zsh)      (in ~/.zshrc; it turns on bashcompinit)",
            "  fish:  driftless completion fish > ~/.config/fish/completions/driftless.fish", "",
            "Exit codes: 0 = printed, 1 = an unknown shell."})
final class CompletionCommand implements Callable<Integer> {

    /** The shells a script is made for. */
    enum Shell { bash, zsh, fish }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SHELL", description = "bash, zsh or fish.")
    Shell shell;

    @Override
    public Integer call() {
        CommandLine driftless = Main.withEveryCommand();
        // zsh runs the bash script through bashcompinit, which the script itself turns on when it runs in zsh
        String script = shell == Shell.fish ? new FishCompletion(driftless).script()
                : AutoComplete.bash("driftless", driftless);
        spec.commandLine().getOut().print(script);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
