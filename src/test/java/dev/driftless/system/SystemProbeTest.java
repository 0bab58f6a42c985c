package dev.driftless.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How the probe reads what its one command printed (dpkg-query's lines and apt-cache policy's, tagged by the
 * script): the cases the package tests cannot build from the demo packages, which are all of architecture "all".
 */
class SystemProbeTest {

    @Test
    void aPackageAskedWithItsArchitectureIsTheOneAptPrintsWithout() {
        String output = """
                @@manager apt
                @@lists
                @k nginx
                @c 1.22.1-9
                @v 1.22.1-9
                """;

        SystemProbe.Reading reading = SystemProbe.parse(output, List.of("nginx:amd64"), List.of(), true);

        assertThat(reading.unknownPackages()).isEmpty();
        assertThat(reading.offer("nginx:amd64")).hasValueSatisfying(offer -> {
            assertThat(offer.candidate()).hasValue("1.22.1-9");
            assertThat(offer.versions()).containsExactly("1.22.1-9");
        });
    }

    @Test
    void aPackageOnHoldOrAwaitingConfigurationIsReadByItsStatusNotByWhatIsWantedOfIt() {
        String output = "@@manager apt\n@p held\tamd64\t1.0\thi \n@p broken\tamd64\t1.0\tiF \n@p gone\tall\t2.0\trc \n";

        SystemProbe.Reading reading = SystemProbe.parse(output, List.of("held", "broken", "gone"), List.of(), true);

        assertThat(reading.state().installed()).containsOnlyKeys("held", "held:amd64");
    }
}
