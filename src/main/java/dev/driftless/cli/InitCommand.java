package dev.driftless.cli;

import dev.driftless.scaffold.Scaffold;
import dev.driftless.scaffold.ScaffoldException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Writes a new repository that validates, and commits it when it is a Git repository of its own. */
@Command(name = "init", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Start a repository in DIR: driftless.yaml with this machine as its one local host, a service"
                + " 'hello' (service.yaml, a template, a README.md), a .gitignore that keeps keys out and a .sops.yaml"
                + " to put your age key in. When DIR is in no Git repository, makes one (branch main) and commits the"
                + " files; inside one, leaves them for you to commit. Never overwrites a file.", "",
            "Exit codes: 0 = written, 1 = nothing written (a file exists already) or an error."})
final class InitCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", defaultValue = ".",
            description = "The folder of the new repository, made if missing. Default: the current folder.")
    Path dir;

    @Option(names = "--host-name", paramLabel = "NAME",
            description = "The name of the host in driftless.yaml. Default: this machine's hostname (up to the first"
                    + " dot), or host-1 when that is not a valid host name.")
    String hostName;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Scaffold.Created created;
        try {
            created = new Scaffold(hostName != null ? hostName : Scaffold.thisMachine("host-1")).create(dir);
        } catch (ScaffoldException e) {
            spec.commandLine().getErr().println("Error: " + e.getMessage());
            return 1;
        }
        out.println("Wrote a Driftless repository in " + created.dir() + ":");
        created.written().forEach(path -> out.println("  " + path));
        if (created.commit().isPresent()) {
            out.println("Made it a Git repository (branch main) and committed the files: "
                    + created.commit().get().substring(0, 12) + " " + Scaffold.COMMIT_MESSAGE + ".");
        } else {
            Path workTree = created.enclosing().orElseThrow();
            out.println(created.dir().equals(workTree) ? created.dir() + " is a Git repository already: the files are"
                    + " not committed." : created.dir() + " is inside the Git repository " + workTree + ": the files are"
                    + " not committed.");
            out.println("Driftless reads commits, so commit them: git -C " + created.dir() + " add " + String.join(" ",
                    created.written()) + " && git -C " + created.dir() + " commit -m \"Start a Driftless repository\"");
        }
        String cd = created.dir().equals(Path.of("").toAbsolutePath()) ? "" : "cd " + created.dir() + "\n  ";
        out.println();
        out.println("Next, try it without touching this machine's /etc (--root places every path under a folder):");
        out.println("  " + cd + "driftless validate");
        out.println("  driftless render " + Scaffold.SERVICE + " " + Scaffold.MANAGED_PATH);
        out.println("  driftless plan --root /tmp/try");
        out.println("Then read services/" + Scaffold.SERVICE + "/README.md, and put your age key in .sops.yaml before"
                + " you add secrets.");
        return 0;
    }
}
