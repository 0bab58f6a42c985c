package dev.driftless.model;

import java.util.List;

/** The repository does not validate; carries every problem found, so a user can fix them in one go. */
public final class ValidationException extends RuntimeException {

    private final transient List<Problem> problems;

    public ValidationException(List<Problem> problems) {
        super(summary(problems));
        this.problems = List.copyOf(problems);
    }

    public ValidationException(Problem problem) {
        this(List.of(problem));
    }

    public List<Problem> problems() {
        return problems;
    }

    private static String summary(List<Problem> problems) {
        StringBuilder text = new StringBuilder();
        for (Problem problem : problems) {
            if (text.length() > 0) {
                text.append('\n');
            }
            text.append(problem);
        }
        return text.toString();
    }
}
