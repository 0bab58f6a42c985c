package dev.driftless.render;

import io.pebbletemplates.pebble.extension.AbstractExtension;
import io.pebbletemplates.pebble.extension.AbstractNodeVisitor;
import io.pebbletemplates.pebble.extension.NodeVisitor;
import io.pebbletemplates.pebble.extension.NodeVisitorFactory;
import io.pebbletemplates.pebble.node.AbstractRenderableNode;
import io.pebbletemplates.pebble.node.BodyNode;
import io.pebbletemplates.pebble.node.Node;
import io.pebbletemplates.pebble.node.expression.BinaryExpression;
import io.pebbletemplates.pebble.node.expression.RenderableNodeExpression;
import io.pebbletemplates.pebble.node.expression.UnaryExpression;
import io.pebbletemplates.pebble.template.EvaluationContextImpl;
import io.pebbletemplates.pebble.template.PebbleTemplate;
import io.pebbletemplates.pebble.template.PebbleTemplateImpl;
import java.io.Writer;
import java.util.List;

/**
 * Puts a checkpoint, which asks the budget whether time is up, at the start of every body of a
 * parsed template: each turn of a loop and each call of a macro passes one. Whatever repeats in a
 * template repeats a body, so no loop over a list, however nested, and no macro calling itself
 * runs past the limit, even when it writes nothing.
 */
final class Checkpoints extends AbstractExtension {

    private final RenderBudget budget;

    Checkpoints(RenderBudget budget) {
        this.budget = budget;
    }

    @Override
    public List<NodeVisitorFactory> getNodeVisitors() {
        return List.of(this::visitor);
    }

    private NodeVisitor visitor(PebbleTemplate template) {
        return new AbstractNodeVisitor((PebbleTemplateImpl) template) {
            @Override
            public void visit(BodyNode body) {
                super.visit(body);
                // the parser's own list, which it hands on; the checkpoint renders nothing
                body.getChildren().add(0, new Checkpoint(body.getLineNumber(), template.getName()));
            }

            @Override
            public void visit(Node node) {
                // bodies inside expressions: {% filter upper %}...{% endfilter %}, {% set x %}...{% endset %}
                if (node instanceof RenderableNodeExpression renderable) {
                    renderable.getNode().accept(this);
                } else if (node instanceof BinaryExpression<?> binary) {
                    binary.getLeftExpression().accept(this);
                    binary.getRightExpression().accept(this);
                } else if (node instanceof UnaryExpression unary) {
                    unary.getChildExpression().accept(this);
                }
            }
        };
    }

    /** Asks the budget, and notes where the rendering is. */
    private final class Checkpoint extends AbstractRenderableNode {

        private final String template;

        Checkpoint(int line, String template) {
            super(line);
            this.template = template;
        }

        @Override
        public void render(PebbleTemplateImpl self, Writer writer, EvaluationContextImpl context) {
            budget.check(template, getLineNumber());
        }

        @Override
        public void accept(NodeVisitor visitor) {
            visitor.visit(this);
        }
    }
}
