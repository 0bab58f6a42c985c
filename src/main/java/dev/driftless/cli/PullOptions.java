package dev.driftless.cli;

import dev.driftless.plan.ImagePull;
import picocli.CommandLine.Option;

/** Whether an apply (or the plan of one) pulls every image of the hosts' compose stacks. */
final class PullOptions {

    @Option(names = "--pull", description = "Pull every image of the chosen hosts' compose stacks, also those a host"
            + " has (a tag that moved on its registry), and bring each stack up: compose recreates the containers whose"
            + " image changed. Without it an apply pulls the images a host lacks, and all images of the stacks that say"
            + " pull: always. With plan: show what such an apply would do (a plan pulls nothing).")
    boolean pull;

    ImagePull imagePull() {
        return pull ? ImagePull.EVERY_IMAGE : ImagePull.AS_STACKS_SAY;
    }
}
