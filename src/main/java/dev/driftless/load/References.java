package dev.driftless.load;

import dev.driftless.load.YamlFile.Mapping;
import dev.driftless.model.Location;
import dev.driftless.model.Problem;
import dev.driftless.model.Reference;
import dev.driftless.model.Setting;
import dev.driftless.model.TextForm;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Reads settings of driftless.yaml that may name a value instead of holding it: {@code { secret: name }} or
 * {@code { env: VARIABLE }}. A credential may only be such a reference (driftless.yaml is committed); other text
 * settings may be either. The values are not read here: whoever needs them reads them (the agent for
 * notifications, the rendering for registry credentials).
 */
final class References {

    static final String ANY_TEXT = "must be text, `{ secret: name }` or `{ env: VARIABLE }`";

    private References() {
    }

    /** Text of the given form, or a reference to a secret or variable whose value is checked when it is read. */
    static Optional<Setting> setting(Node node, Location where, TextForm form, List<Problem> problems) {
        if (node instanceof MappingNode) {
            return reference(node, where, problems).map(Setting.class::cast);
        }
        if (node instanceof ScalarNode scalar && !isNull(scalar)) {
            String value = scalar.getValue().strip();
            Optional<String> problem = form.problem(value, value.isEmpty() ? "the text" : "'" + value + "'");
            problem.ifPresent(message -> problems.add(new Problem(where, message)));
            return problem.isPresent() ? Optional.empty() : Optional.of(new Setting.Text(value));
        }
        problems.add(new Problem(where, isNull(node) ? "has no value" : ANY_TEXT));
        return Optional.empty();
    }

    /**
     * A credential: only a reference, never text (the file is committed); the text is not repeated. Required (a
     * missing one is a problem that gives {@code hint}) unless {@code hint} is empty.
     */
    static Optional<Reference> credential(Mapping f, String key, String hint, List<Problem> problems) {
        Optional<Node> node = hint.isEmpty() ? f.value(key) : f.required(key, hint);
        if (node.isEmpty()) {
            return Optional.empty();
        }
        if (!(node.get() instanceof MappingNode)) {
            f.problem(key, "is a credential: write it as `{ secret: name }` (a secret of the repository) or "
                    + "`{ env: VARIABLE }`, not in plain text in a file that is committed");
            return Optional.empty();
        }
        return reference(node.get(), f.locationOf(key), problems);
    }

    /** {@code { secret: name }} or {@code { env: VARIABLE }}. */
    static Optional<Reference> reference(Node node, Location where, List<Problem> problems) {
        List<NodeTuple> entries = ((MappingNode) node).getValue();
        String kind = entries.size() == 1 && entries.get(0).getKeyNode() instanceof ScalarNode key
                ? key.getValue() : "";
        if (!kind.equals("secret") && !kind.equals("env")) {
            problems.add(new Problem(where, ANY_TEXT));
            return Optional.empty();
        }
        Node value = entries.get(0).getValueNode();
        String name = value instanceof ScalarNode scalar && !isNull(scalar) ? scalar.getValue().strip() : "";
        if (name.isEmpty()) {
            problems.add(new Problem(where.at(where.line(), where.key() + "." + kind),
                    "must name a " + (kind.equals("secret") ? "secret" : "variable")));
            return Optional.empty();
        }
        return Optional.of(kind.equals("secret") ? new Reference.Secret(name, where) : new Reference.Env(name, where));
    }

    static boolean isNull(Node node) {
        return node instanceof ScalarNode scalar && scalar.getTag().equals(Tag.NULL);
    }
}
