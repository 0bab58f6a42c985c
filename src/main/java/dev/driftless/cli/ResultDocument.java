package dev.driftless.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.driftless.model.Problem;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON document of {@code validate --output json}, and the one every command prints on stdout when it fails
 * under {@code --output json}: whether it worked, why not, and the repository's problems with where they are.
 */
final class ResultDocument {

    static final int FORMAT_VERSION = 1;

    /** What kind of failure: a closed set, written in lower case with '-'. */
    enum Kind {
        /** The command line is wrong: an unknown option, a bad value. */
        USAGE("usage"),
        /** The repository does not validate (the problems say where). */
        INVALID_REPOSITORY("invalid-repository"),
        /** Anything else: a repository or host that cannot be reached, a key that cannot be read, ... */
        ERROR("error");

        private final String word;

        Kind(String word) {
            this.word = word;
        }
    }

    private final Map<String, Object> fields = new LinkedHashMap<>();

    private ResultDocument(boolean ok) {
        fields.put("formatVersion", FORMAT_VERSION);
        fields.put("ok", ok);
    }

    /** A failure: {@code message} is the one line a user reads, {@code problems} each problem of the repository. */
    static ResultDocument failure(Kind kind, String message, List<Problem> problems) {
        ResultDocument document = new ResultDocument(false);
        document.fields.put("kind", kind.word);
        document.fields.put("error", message);
        document.fields.put("problems", problems.stream().map(ResultDocument::problem).toList());
        return document;
    }

    /** A repository that validates, and what it holds. */
    static ResultDocument valid(String revision, int hosts, int services, int resources, boolean secretsChecked) {
        ResultDocument document = new ResultDocument(true);
        document.fields.put("kind", null);
        document.fields.put("error", null);
        document.fields.put("problems", List.of());
        document.fields.put("revision", revision);
        document.fields.put("hosts", hosts);
        document.fields.put("services", services);
        document.fields.put("resources", resources);
        document.fields.put("secretsChecked", secretsChecked);
        return document;
    }

    private static Map<String, Object> problem(Problem problem) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("file", problem.where().file());
        json.put("line", problem.where().line() > 0 ? problem.where().line() : null);
        json.put("key", problem.where().key().isEmpty() ? null : problem.where().key());
        json.put("message", problem.message());
        return json;
    }

    /** The document, indented as the other documents of the command line are. */
    String text() {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
