package dev.driftless.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How the probe reads what its one command printed (dpkg-query's lines and apt-cache policy's, tagged by the script). */
class SystemProbeTest {

    @Test
    void aPackageOnHoldOrAwaitingConfigurationIsReadByItsStatusNotByWhatIsWantedOfIt() {
        String output = "@@manager apt\n@p held\tamd64\t1.0\thi \n@p broken\tamd64\t1.0\tiF \n@p gone\tall\t2.0\trc \n";

        SystemProbe.Reading reading = SystemProbe.parse(output, List.of("held", "broken", "gone"), List.of(), true);

        assertThat(reading.state().installed()).containsOnlyKeys("held", "held:amd64");
    }
}
