package dev.driftless.engine;

import dev.driftless.compose.StackImages;
import dev.driftless.compose.StackRecord;
import dev.driftless.host.CommandResult;
import dev.driftless.host.Host;
import dev.driftless.host.HostException;
import dev.driftless.plan.HostPlan;
import dev.driftless.render.Desired;
import dev.driftless.render.ImagePins;
import dev.driftless.state.HostState;
import dev.driftless.state.StateEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The images a host's compose stacks ran when it was last found healthy: read from the engine once an apply is
 * found healthy and recorded in the host state's stack entries (which later applies carry over until the host is
 * healthy again), and what a rollback pins each compose service to.
 */
final class HealthyImages {

    /** Reading which images the stacks run: one inspect of their containers and images. */
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private HealthyImages() {
    }

    /**
     * The image each compose service ran when the host was last found healthy, as {@code before} records it, for
     * a service whose compose file names the image it named then (one it builds is left as it is).
     */
    static ImagePins.Choice pins(HostState before) {
        return (stack, service) -> Optional.ofNullable(before.resources().get(stack.path()))
                .map(entry -> StackRecord.of(entry.target()).images().get(service.name()))
                .filter(image -> !image.reference().isEmpty() && service.image().equals(Optional.of(image.reference())))
                .map(StackRecord.Image::pin);
    }

    /**
     * {@code written} with the images that the plan's stacks run now recorded, read from the engine (one command)
     * for the stacks {@code broughtUp} by the apply and those recorded without them. When the engine cannot be read,
     * a stack brought up keeps no image: a rollback then goes by its compose file's references.
     */
    static HostState record(Host host, HostPlan plan, HostState written, Set<String> broughtUp) {
        Map<String, Map<String, String>> references = new LinkedHashMap<>();
        for (Desired resource : plan.desired().resources()) {
            if (resource instanceof Desired.Stack stack && written.resources().containsKey(stack.path())) {
                StackRecord record = StackRecord.of(written.resources().get(stack.path()).target());
                if (broughtUp.contains(stack.path()) || !record.images().keySet().containsAll(record.hashes().keySet())) {
                    Map<String, String> named = new LinkedHashMap<>();
                    stack.services().forEach(s -> named.put(s.name(), s.image().orElse("")));
                    references.put(stack.project(), named);
                }
            }
        }
        if (references.isEmpty()) {
            return written;
        }
        Map<String, Map<String, StackRecord.Image>> ran = images(host, plan, references);
        Map<String, StateEntry> entries = new LinkedHashMap<>(written.resources());
        references.keySet().forEach(project -> {
            String key = Desired.Stack.PREFIX + project;
            StateEntry entry = entries.get(key);
            StackRecord record = StackRecord.of(entry.target());
            Map<String, StackRecord.Image> images = new LinkedHashMap<>();
            Map<String, StackRecord.Image> now = ran.getOrDefault(project, Map.of());
            record.hashes().keySet().forEach(name -> Optional.ofNullable(now.get(name))
                    .or(() -> broughtUp.contains(key) ? Optional.empty() : Optional.ofNullable(record.images().get(name)))
                    .ifPresent(image -> images.put(name, image)));
            entries.put(key, new StateEntry(entry.kind(), entry.service(), entry.sha256(), entry.mode(), entry.owner(),
                    entry.group(), record.withImages(images).encode(), entry.stat(), entry.sensitive()));
        });
        return new HostState(written.version(), written.host(), written.revision(), written.appliedAt(),
                written.complete(), entries, written.pendingHandlers(), written.healthy());
    }

    /**
     * The images {@code state} records for the stacks of {@code plan}, in the order of its stacks and their compose
     * services: what they ran when the host was found healthy with them.
     */
    static List<HostOutcome.StackImage> ran(HostPlan plan, HostState state) {
        List<HostOutcome.StackImage> ran = new ArrayList<>();
        for (Desired resource : plan.desired().resources()) {
            if (resource instanceof Desired.Stack stack && state.resources().containsKey(stack.path())) {
                Map<String, StackRecord.Image> images = StackRecord.of(state.resources().get(stack.path()).target())
                        .images();
                stack.services().stream().filter(s -> images.containsKey(s.name())).forEach(s -> ran.add(
                        new HostOutcome.StackImage(stack.service(), stack.project(), s.name(), images.get(s.name()))));
            }
        }
        return ran;
    }

    /** What the stacks of {@code references} run, read in one command; empty when the engine cannot be read. */
    private static Map<String, Map<String, StackRecord.Image>> images(Host host, HostPlan plan,
            Map<String, Map<String, String>> references) {
        try {
            CommandResult read = host.run(StackImages.script(plan.desired().host().dockerHost()),
                    Map.of("LC_ALL", "C"), TIMEOUT);
            return read.succeeded() ? StackImages.parse(read.output(), references).orElse(Map.of()) : Map.of();
        } catch (HostException e) {
            return Map.of(); // the state write that follows says what is wrong with the host
        }
    }
}
