package dev.driftless.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * A fish completion script written from the command line's model, as picocli writes bash's: each command's
 * subcommands, options (with their values when they are a closed set) and positional values that are.
 */
final class FishCompletion {

    /** The longest description shown beside a completion. */
    private static final int LONGEST = 100;

    private final CommandLine root;

    FishCompletion(CommandLine root) {
        this.root = root;
    }

    String script() {
        String name = root.getCommandName();
        StringBuilder script = new StringBuilder()
                .append("# fish completion for ").append(name).append(", written by '").append(name)
                .append(" completion fish'.\n")
                .append("# Install: ").append(name).append(" completion fish > ~/.config/fish/completions/")
                .append(name).append(".fish\n");
        command(script, root, List.of());
        return script.toString();
    }

    /** The completions of one command, reached through {@code path} (the subcommand names after the root). */
    private void command(StringBuilder script, CommandLine command, List<String> path) {
        String name = root.getCommandName();
        Map<String, CommandLine> subcommands = command.getSubcommands();
        String here = condition(path, subcommands.keySet());
        script.append('\n');
        if (!subcommands.isEmpty()) {
            // at a place where a subcommand goes, offer the subcommands and not the folder's files
            script.append("complete -c ").append(name).append(" -f -n ").append(quote(here)).append('\n');
            subcommands.forEach((sub, line) -> script.append("complete -c ").append(name).append(" -n ")
                    .append(quote(here)).append(" -a ").append(quote(sub)).append(" -d ")
                    .append(quote(summary(line.getCommandSpec()))).append('\n'));
        }
        CommandSpec spec = command.getCommandSpec();
        for (OptionSpec option : spec.options()) {
            if (option.hidden()) {
                continue;
            }
            script.append("complete -c ").append(name).append(" -n ").append(quote(here));
            for (String flag : option.names()) {
                script.append(flag.startsWith("--") ? " -l " + flag.substring(2) : " -s " + flag.substring(1));
            }
            List<String> values = candidates(option.completionCandidates());
            if (!values.isEmpty()) {
                script.append(" -x -a ").append(quote(String.join(" ", values)));
            } else if (option.arity().max() > 0) {
                script.append(" -r"); // a value, such as a file: fish offers file names
            }
            script.append(" -d ").append(quote(first(option.description()))).append('\n');
        }
        for (PositionalParamSpec positional : spec.positionalParameters()) {
            List<String> values = candidates(positional.completionCandidates());
            if (!values.isEmpty() && !positional.hidden()) {
                script.append("complete -c ").append(name).append(" -n ").append(quote(here)).append(" -f -a ")
                        .append(quote(String.join(" ", values))).append('\n');
            }
        }
        subcommands.forEach((sub, line) -> {
            List<String> deeper = new ArrayList<>(path);
            deeper.add(sub);
            command(script, line, deeper);
        });
    }

    /**
     * The fish condition for "the command line is at {@code path}": the root alone when the path is empty, else every
     * name of the path seen; and, when this command has subcommands, none of them seen yet.
     */
    private static String condition(List<String> path, Iterable<String> subcommands) {
        List<String> parts = new ArrayList<>();
        if (path.isEmpty()) {
            parts.add("__fish_use_subcommand");
        } else {
            path.forEach(p -> parts.add("__fish_seen_subcommand_from " + p));
            List<String> below = new ArrayList<>();
            subcommands.forEach(below::add);
            if (!below.isEmpty()) {
                parts.add("not __fish_seen_subcommand_from " + String.join(" ", below));
            }
        }
        return String.join("; and ", parts);
    }

    private static List<String> candidates(Iterable<String> candidates) {
        List<String> values = new ArrayList<>();
        if (candidates != null) {
            candidates.forEach(values::add);
        }
        return values;
    }

    private static String summary(CommandSpec spec) {
        return first(spec.usageMessage().description());
    }

    /** The first sentence of a description, as fish shows one line beside each completion; long ones cut. */
    private static String first(String[] description) {
        if (description == null || description.length == 0) {
            return "";
        }
        String text = String.join(" ", description).replace("%n", " ").replace("${DEFAULT-VALUE}", "")
                .replaceAll("\\s+", " ").strip();
        int end = text.indexOf(". ");
        String sentence = end > 0 ? text.substring(0, end) : text.endsWith(".") ? text.substring(0, text.length() - 1)
                : text;
        return sentence.length() <= LONGEST ? sentence : sentence.substring(0, LONGEST - 3).strip() + "...";
    }

    /** A single-quoted fish word: inside, only the backslash and the quote are special. */
    private static String quote(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
