package dev.driftless.render;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Pins compose services to images, as a rollback does: the containers it brings back run the images they ran when
 * the host was last healthy, whatever a tag ({@code :latest}) names since. A pinned service's file of labels names
 * its image by digest (or ID), and its configuration hash covers the pin, so that compose recreates a container
 * that runs another image.
 */
public final class ImagePins {

    /** The image a compose service of a stack is to be pinned to, if any. */
    @FunctionalInterface
    public interface Choice {
        Optional<String> pin(Desired.Stack stack, Desired.StackService service);
    }

    private ImagePins() {
    }

    /** {@code desired} with the services {@code choice} pins pinned (those pinned already stay as they are). */
    public static DesiredHost pin(DesiredHost desired, Choice choice) {
        Map<String, Desired.Stack> pinned = new LinkedHashMap<>();
        for (Desired resource : desired.resources()) {
            if (resource instanceof Desired.Stack stack) {
                List<Desired.StackService> services = new ArrayList<>();
                boolean any = false;
                for (Desired.StackService s : stack.services()) {
                    Optional<String> pin = s.pin().isPresent() ? Optional.empty() : choice.pin(stack, s);
                    any |= pin.isPresent();
                    services.add(pin.map(p -> new Desired.StackService(s.name(), s.image(), hash(s.hash(), p),
                            s.mounts(), s.signal(), Optional.of(p))).orElse(s));
                }
                if (any) {
                    pinned.put(stack.override(), new Desired.Stack(stack.project(), stack.directory(), stack.file(),
                            stack.override(), stack.pullAlways(), stack.removeVolumes(), services, stack.service(),
                            stack.where()));
                }
            }
        }
        if (pinned.isEmpty()) {
            return desired;
        }
        List<Desired> resources = new ArrayList<>();
        for (Desired resource : desired.resources()) {
            if (resource instanceof Desired.Stack stack && pinned.containsKey(stack.override())) {
                resources.add(pinned.get(stack.override()));
            } else if (resource instanceof Desired.File file && pinned.containsKey(file.path())) {
                Desired.Stack stack = pinned.get(file.path());
                resources.add(new Desired.File(file.path(), file.service(), StackRendering.override(stack.project(),
                        stack.services()), file.ownership(), file.onChange(), file.where(), file.secretLines()));
            } else {
                resources.add(resource);
            }
        }
        return new DesiredHost(desired.host(), desired.revision(), resources, desired.handlers(), desired.services(),
                desired.health(), desired.registries());
    }

    /** The configuration hash of a service pinned to {@code pin} whose hash unpinned is {@code unpinned}. */
    public static String hash(String unpinned, String pin) {
        return StackRendering.sha256((unpinned + "\0image=" + pin).getBytes(StandardCharsets.UTF_8));
    }
}
