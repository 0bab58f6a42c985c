package dev.driftless.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.driftless.load.Schema;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Prints (or saves) the JSON Schemas of driftless.yaml and service.yaml, for editors. */
@Command(name = "schema", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print the JSON Schema (draft 2020-12) of driftless.yaml or service.yaml, for editors that"
                + " complete and check YAML with one (VS Code's YAML extension, JetBrains IDEs, Neovim's yamlls)."
                + " Without FILE: both, as one JSON object keyed by file name. See docs/schema.md.", "",
            "Exit codes: 0 = printed or written, 1 = an unknown FILE or a folder that cannot be written."})
final class SchemaCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", completionCandidates = Described.class,
            description = "driftless.yaml or service.yaml.")
    String file;

    @Option(names = "--write", paramLabel = "DIR",
            description = "Save the schemas in DIR as driftless.schema.json and service.schema.json (both, or the one"
                    + " FILE names; replacing earlier ones) and print their paths.")
    Path write;

    /** The files there is a schema of. */
    static final class Described implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Arrays.stream(Schema.values()).map(Schema::describes).iterator();
        }
    }

    @Override
    public Integer call() throws JsonProcessingException {
        PrintWriter out = spec.commandLine().getOut();
        List<Schema> chosen = file == null ? List.of(Schema.values()) : Schema.of(file).stream().toList();
        if (chosen.isEmpty()) {
            spec.commandLine().getErr().println("Error: there is no schema of " + file + "; give driftless.yaml or"
                    + " service.yaml");
            return 1;
        }
        if (write != null) {
            return write(chosen, out);
        }
        if (chosen.size() == 1) {
            out.print(chosen.get(0).text());
            return 0;
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode both = json.createObjectNode();
        for (Schema schema : chosen) {
            both.set(schema.describes(), json.readTree(schema.text()));
        }
        out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(both));
        return 0;
    }

    private int write(List<Schema> chosen, PrintWriter out) {
        try {
            Files.createDirectories(write);
            for (Schema schema : chosen) {
                Path target = write.resolve(schema.fileName());
                Files.writeString(target, schema.text(), StandardCharsets.UTF_8);
                out.println(target + "  (" + schema.describes() + ")");
            }
            return 0;
        } catch (IOException e) {
            spec.commandLine().getErr().println("Error: cannot write the schemas to " + write + ": " + e.getMessage());
            return 1;
        }
    }
}
