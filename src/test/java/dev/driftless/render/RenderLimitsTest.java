package dev.driftless.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.engine.Selection;
import dev.driftless.engine.Workspace;
import dev.driftless.host.SshSettings;
import dev.driftless.model.ValidationException;
import dev.driftless.secrets.AgeKeyring;
import dev.driftless.source.RepoSource;
import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A template that loops for ever or expands without end fails its file with a message saying which
 * limit stopped it, instead of hanging or exhausting the process; an honest template is unaffected.
 * (The @Timeout only keeps a broken build from hanging: it asserts nothing about speed.)
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RenderLimitsTest {

    static final String TIME_LIMIT = "stopped after 1 s (the render limit per file; --render-timeout to change it)";
    static final String OUTPUT_LIMIT = "produced more than 1 MiB (the render limit per file; --render-max-size to"
            + " change it)";
    static final String VALUE_LIMIT = "built a text or list of more than 1 MiB (the render limit per file;"
            + " --render-max-size to change it)";

    @TempDir
    Path tmp;

    TestRepo repo;

    @BeforeEach
    void setUp() {
        String thousand = IntStream.range(0, 1000).mapToObj(Integer::toString).collect(Collectors.joining(", "));
        repo = AppRepo.with("app-1", "app-2").vars("items: [" + thousand + "]").init(tmp.resolve("repo"));
    }

    private Cli.Result validate(String template) {
        repo.write("services/app/app.peb", template);
        repo.commit("a template");
        return Cli.run("validate", "--repo", repo.dir().toString(), "--render-timeout", "1s",
                "--render-max-size", "1MiB");
    }

    /** Fails at {@code where} (a file, or file:line), naming the limit, for one of the two hosts. */
    private static void assertFailsWith(Cli.Result result, String where, String message) {
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).as(result.toString()).containsPattern(Pattern.quote(where) + "(:\\d+)?: template: "
                + Pattern.quote(message + " (rendering for host app-"));
        // one bad template is reported (and run into the limit) once, not once per host
        assertThat(result.err()).as(result.toString()).containsOnlyOnce(message);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "a\n{% for i in range(0, 2000000000) %}{% endfor %}\n",
        "a\n{% for i in 0..2000000000 %}{% endfor %}\n",
        "a\n{{ range(0, 2000000000) contains -1 }}\n"})
    void aRangeOfTwoBillionNumbersStopsAtTheTimeLimitWithoutBuildingTheList(String template) {
        assertFailsWith(validate(template), "services/app/app.peb:2", TIME_LIMIT);
    }

    @Test
    void nestedRangesWithNoOutputStopAtTheTimeLimit() {
        assertFailsWith(validate("""
                {% for i in range(1, 100000) %}
                {%- for j in range(1, 100000) %}{% endfor -%}
                {% endfor %}
                """), "services/app/app.peb", TIME_LIMIT);
    }

    @Test
    void nestedLoopsOverAVariableListStopAtTheTimeLimit() {
        assertFailsWith(validate("""
                {% for a in items %}{% for b in items %}{% for c in items %}{% for d in items %}{% endfor %}{% endfor %}\
                {% endfor %}{% endfor %}
                """), "services/app/app.peb", TIME_LIMIT);
    }

    @Test
    void aMacroCallingItselfTwiceStopsAtTheTimeLimit() {
        assertFailsWith(validate("""
                {% macro tree(n) %}{% if n > 0 %}{{ tree(n - 1) }}{{ tree(n - 1) }}{% endif %}{% endmacro %}
                {{ tree(60) }}
                """), "services/app/app.peb", TIME_LIMIT);
    }

    @Test
    void aRegularExpressionThatBacktracksForEverStopsAtTheTimeLimit() {
        assertFailsWith(validate("{{ '" + "a".repeat(60) + "!' | split('(.*a){12}b') | length }}\n"),
                "services/app/app.peb:1", TIME_LIMIT);
    }

    @Test
    void aTemplateProducingMoreThanTheSizeLimitFails() {
        assertFailsWith(validate("{% for i in range(1, 100000) %}twenty characters...{% endfor %}\n"),
                "services/app/app.peb", OUTPUT_LIMIT);
    }

    @Test
    void aMacroBuildingMoreThanTheSizeLimitFailsEvenWithoutPrintingIt() {
        assertFailsWith(validate("""
                {% macro big() %}{% for i in range(1, 10000000) %}twenty characters...{% endfor %}{% endmacro %}
                {% set unused = big() %}
                """), "services/app/app.peb", OUTPUT_LIMIT);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{% set s = 'x' %}{% for i in range(1, 64) %}{% set s = s ~ s %}{% endfor %}\n",
        "{% set s = 'x' %}{% for i in range(1, 64) %}{% set s = s + s %}{% endfor %}\n",
        "{% set l = [1] %}{% for i in range(1, 64) %}{% set l = l | merge(l) %}{% endfor %}\n",
        "{% set l = [1] %}{% for i in range(1, 64) %}{% set l = l + l %}{% endfor %}\n",
        "{% set s = 'xxxxxxxxxx' %}{% for i in range(1, 8) %}{% set s = s | replace({'x': s}) %}{% endfor %}\n",
        "{% set s = range(0, 2000000000) | join(',') %}\n",
        "{% set s = range(0, 2000000000) | sort %}\n",
        "{% set s = '%2000000000s' | format('x') %}\n",
        "{% set s = '%.2000000000f' | format(1.5) %}\n"})
    void aValueGrowingPastTheSizeLimitFailsBeforeItExhaustsMemory(String template) {
        assertFailsWith(validate(template), "services/app/app.peb:1", VALUE_LIMIT);
    }

    @Test
    void honestTemplatesRenderAsBeforeUnderTightLimits() throws Exception {
        repo.write("services/app/macros.peb", "{% macro greet(name) %}hello {{ name }}{% endmacro %}");
        repo.write("services/app/part.peb", "part for {{ host.name }}\n");
        repo.write("services/app/app.peb", """
                {% import 'macros.peb' %}{% include 'part.peb' %}
                {{ range(1, 3) | join(',') }} {{ (1..3) | join('-') }} {{ range(5, 1, -2) | join(',') }}
                {% for c in range('a', 'c') %}{{ c }}{{ loop.index }}/{{ loop.length }}{% if not loop.last %} {% endif %}{% endfor %}
                {{ range(1, 4) | length }} {{ range(10, 20)[3] }} {{ range(1, 3) | reverse | join('') }} {{ range(1, 5) contains 3 }}
                {{ 'a' ~ 'b' ~ 1 }} {{ 'x' + 'y' }} {{ 1 + 2 }} {{ ([1] + [2, 3]) | join('') }} {{ ([1] | merge([2])) | join('') }}
                {{ 'a,b,c' | split(',') | join('/') }} {{ '%05d|%-4s|%.2f' | format(42, 'ab', 3.14159) }}
                {{ 'hello world' | replace({'world': 'there', 'hello': 'hi'}) }} {{ greet('you') | upper }}
                {% for i in items %}{% if i < 3 %}{{ i }}{% endif %}{% endfor %}
                """);
        repo.commit("an honest template");

        Path root = tmp.resolve("root");
        Cli.Result apply = Cli.on("apply", repo.dir(), root, "--host", "app-1", "--render-timeout", "5s",
                "--render-max-size", "4KiB");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(Files.readString(root.resolve("app-1/etc/app/app.conf"))).isEqualTo("""
                part for app-1

                1,2,3 1-2-3 5,3,1
                a0/3 b1/3 c2/3
                4 13 321 true
                ab1 xy 3 123 12
                a/b/c 00042|ab  |3.14
                hi there HELLO YOU
                012
                """);
    }

    @Test
    void aStopRequestStopsARenderingUnderWay() {
        repo.write("services/app/app.peb", "{% for i in range(0, 2000000000) %}{% endfor %}\n");
        repo.commit("a template that would run for an hour");
        AtomicInteger asked = new AtomicInteger();
        BooleanSupplier stopAfterAThousandQuestions = () -> asked.incrementAndGet() > 1000;
        RenderLimits limits = new RenderLimits(Duration.ofHours(1), RenderLimits.DEFAULT_BYTES_PER_FILE,
                stopAfterAThousandQuestions);
        Selection selection = new Selection(new RepoSource.Request(repo.dir().toString(), Optional.empty(),
                Optional.empty(), RepoSource.ReadFrom.COMMIT), List.of(), List.of(), Optional.empty(),
                new SshSettings(Optional.empty(), tmp.resolve("known_hosts"), false, Duration.ofSeconds(5),
                        Optional.empty()), AgeKeyring.fromEnvironment(Optional.empty()), limits, List.of());

        try (Workspace workspace = Workspace.open(selection, new RepoSource(tmp.resolve("cache")))) {
            assertThatThrownBy(workspace::repository).isInstanceOfSatisfying(ValidationException.class,
                    e -> assertThat(e.problems()).singleElement().hasToString(
                            "services/app/app.peb:1: template: rendering stopped: the agent is shutting down"));
        }
        assertThat(asked.get()).as("asked while rendering, then no more files were started").isBetween(1001, 1010);
    }
}
