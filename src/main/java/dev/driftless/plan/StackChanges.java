package dev.driftless.plan;

import dev.driftless.compose.EngineState;
import dev.driftless.compose.StackRecord;
import dev.driftless.host.Host;
import dev.driftless.host.HostException;
import dev.driftless.render.Desired;
import dev.driftless.render.DesiredHost;
import dev.driftless.render.ImagePins;
import dev.driftless.state.HostState;
import dev.driftless.state.StateEntry;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The compose stacks of a host's plan: which stacks to bring up (and why: a container missing, stopped, or made
 * from another configuration than the repository's) and which to bring down, by comparing each compose service's
 * configuration hash ({@link dev.driftless.compose.ComposeFile#hash}) with the label of its containers. A stack's
 * key in plans and state is {@code stack:PROJECT}; its record holds what the host needs to bring it down once it
 * has left the repository (its directory, engine address, whether its volumes go with it) and each service's hash.
 */
final class StackChanges {

    static final String STACK = "stack";

    private StackChanges() {
    }

    static boolean isStack(String key) {
        return key.startsWith(Desired.Stack.PREFIX);
    }

    static String project(String key) {
        return key.substring(Desired.Stack.PREFIX.length());
    }

    /**
     * What to record for a desired stack once it is up: the images its services ran when last found healthy are
     * kept from {@code recorded} (the entry of the state before, or null) until the apply is found healthy again.
     */
    static StateEntry entryFor(Desired.Stack stack, Optional<String> dockerHost, StateEntry recorded) {
        Map<String, StackRecord.Image> before = recorded == null ? Map.of() : StackRecord.of(recorded.target()).images();
        Map<String, String> hashes = new LinkedHashMap<>();
        Map<String, StackRecord.Image> images = new LinkedHashMap<>();
        Map<String, String> pins = new LinkedHashMap<>();
        for (Desired.StackService s : stack.services()) {
            hashes.put(s.name(), s.hash());
            Optional.ofNullable(before.get(s.name())).ifPresent(image -> images.put(s.name(), image));
            s.pin().ifPresent(pin -> pins.put(s.name(), pin));
        }
        return new StateEntry(STACK, stack.service(), null, null, null, null,
                new StackRecord(stack.directory(), dockerHost, stack.removeVolumes(), hashes, images, pins).encode(),
                null, false);
    }

    /**
     * {@code desired} with the pins a rollback left kept: a service the state records as pinned to an image stays
     * pinned while its configuration is the one it was pinned with (a heal brings back the image it was rolled back
     * to, not what a tag names since); a change of it in the repository ends the pin.
     */
    static DesiredHost keepPins(DesiredHost desired, HostState previous) {
        return ImagePins.pin(desired, (stack, service) -> Optional.ofNullable(previous.resources().get(stack.path()))
                .map(entry -> StackRecord.of(entry.target()))
                .flatMap(record -> Optional.ofNullable(record.pins().get(service.name()))
                        .filter(pin -> ImagePins.hash(service.hash(), pin).equals(record.hashes().get(service.name())))));
    }

    /** Whether every service the entry records has a running container made from the recorded configuration. */
    static boolean matches(StateEntry entry, String key, EngineState engine) {
        return problems(StackRecord.of(entry.target()).hashes(), project(key), engine).isEmpty();
    }

    /** Per service, what is wrong with its containers; empty when each has one running from its configuration. */
    private static Map<String, String> problems(Map<String, String> hashes, String project, EngineState engine) {
        Map<String, String> problems = new LinkedHashMap<>();
        hashes.forEach((name, hash) -> {
            List<EngineState.Container> containers = engine.of(project, name);
            if (containers.isEmpty()) {
                problems.put(name, "no container");
            } else if (containers.stream().anyMatch(c -> !c.configHash().equals(hash))) {
                problems.put(name, "made from another configuration");
            } else {
                containers.stream().filter(c -> !c.running()).findFirst()
                        .ifPresent(c -> problems.put(name, c.name() + " is " + c.describe()));
            }
        });
        return problems;
    }

    /**
     * Fails the plan, before anything is changed, when the host cannot run these stacks: under a root (a sandbox
     * folder is no container engine), without docker or podman, without a compose, or when its engine does not
     * answer.
     */
    static void requireSupported(Host host, List<Desired> desired, EngineState engine, boolean changes) {
        Optional<Desired.Stack> first = desired.stream().filter(Desired.Stack.class::isInstance)
                .map(Desired.Stack.class::cast).findFirst();
        if (first.isEmpty()) {
            return;
        }
        String where = host.name() + ": " + first.get().where() + ": ";
        String why = null;
        if (!host.root().equals("/")) {
            why = "compose stacks are not run under a root (" + host.root() + "): a --root apply never starts"
                    + " containers on this machine's engine";
        } else if (engine.cli().isEmpty()) {
            why = host.name() + " has neither docker nor podman, so Driftless cannot run compose stacks there";
        } else if (engine.error().isPresent()) {
            throw HostException.transientFailure(host.name() + ": the container engine did not answer: "
                    + engine.error().get(), null);
        } else if (changes && engine.compose().isEmpty()) {
            why = host.name() + " has " + engine.cli().get() + " but no compose (docker compose, docker-compose or"
                    + " podman-compose): install one";
        }
        if (why != null) {
            throw new HostException(where + why + "\n" + host.name() + ": nothing is changed on " + host.name());
        }
    }

    /**
     * The change a desired stack needs, or empty when every service runs a container of its configuration; it names
     * the {@code registries} its host pulls from with logins of driftless.yaml (never their values).
     */
    static Optional<Change> change(Desired.Stack stack, StateEntry wanted, StateEntry recorded, EngineState engine,
            List<String> registries) {
        Map<String, String> hashes = StackRecord.of(wanted.target()).hashes();
        Map<String, String> problems = problems(hashes, stack.project(), engine);
        if (problems.isEmpty()) {
            return Optional.empty();
        }
        Set<Cause> causes = EnumSet.noneOf(Cause.class);
        Map<String, String> before = recorded == null ? Map.of() : StackRecord.of(recorded.target()).hashes();
        Map<String, String> drifted = recorded == null ? Map.of() : problems(before, stack.project(), engine);
        List<String> details = new ArrayList<>();
        for (Desired.StackService s : stack.services()) {
            String problem = problems.get(s.name());
            if (problem == null) {
                continue;
            }
            boolean changed = !s.hash().equals(before.get(s.name()));
            if (drifted.containsKey(s.name()) && before.containsKey(s.name())) {
                causes.add(Cause.DRIFT);
                details.add(s.name() + ": " + drifted.get(s.name()) + (changed ? "; and its configuration changed" : "")
                        + " -> up");
            } else if (problem.equals("no container")) {
                causes.add(Cause.PENDING);
                details.add(s.name() + ": create" + s.pin().or(s::image).map(i -> " (" + i + ")").orElse(""));
            } else {
                causes.add(Cause.PENDING);
                details.add(s.name() + ": " + (!changed ? problem + " -> up" : s.pin().map(pin -> "recreate on " + pin
                        + " (pinned: the image it ran when last healthy)").orElse("recreate (its configuration changed)")));
            }
        }
        addEngineLines(details, stack, engine, registries);
        Action action = recorded == null && engine.of(stack.project()).isEmpty() ? Action.CREATE : Action.UPDATE;
        return Optional.of(new Change(action, stack.path(), STACK, stack.service(), causes, Optional.of(stack),
                Optional.empty(), details));
    }

    /** The lines that say which compose brings the stack up, where, and with which registry logins. */
    private static void addEngineLines(List<String> details, Desired.Stack stack, EngineState engine,
            List<String> registries) {
        details.add("with " + engine.compose().orElse("compose") + " in " + stack.directory());
        if (!registries.isEmpty()) {
            details.add("registry logins: " + String.join(", ", registries) + " (from driftless.yaml; values never shown)");
        }
    }

    /**
     * The change of a stack that runs as the repository says but whose images the apply pulls ({@code pull: always},
     * or {@code apply --pull}): compose then recreates the containers whose image the pull changed.
     */
    static Change pull(Desired.Stack stack, EngineState engine, ImagePull pull, List<String> registries) {
        String why = pull == ImagePull.EVERY_IMAGE ? "--pull" : "pull: always";
        List<String> details = new ArrayList<>(List.of("pull every image (" + why + "), then up: containers whose image"
                + " moved are recreated"));
        addEngineLines(details, stack, engine, registries);
        return new Change(Action.UPDATE, stack.path(), STACK, stack.service(), EnumSet.noneOf(Cause.class),
                Optional.of(stack), Optional.empty(), details);
    }

    /** The change that brings down a stack that left the repository (its files go as files, after it). */
    static Change removal(String key, StateEntry recorded, EngineState engine) {
        StackRecord record = StackRecord.of(recorded.target());
        int running = (int) engine.of(project(key)).stream().filter(EngineState.Container::running).count();
        return new Change(Action.DELETE, key, STACK, recorded.service(), EnumSet.of(Cause.PENDING), Optional.empty(),
                Optional.empty(), List.of("down: " + running + " running container" + (running == 1 ? "" : "s")
                        + (record.removeVolumes() ? ", volumes removed (removeVolumes: true)" : ", volumes kept")));
    }
}
